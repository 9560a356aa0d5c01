# tokentray. `make test` works on a fresh Debian 12 with Go installed:
# scripts/deps.sh installs what is missing, scripts/testenv.sh gives the
# tests a private desktop session (D-Bus, gnome-keyring, Xvfb, tray host).
# `make build` and `make run` install only the build headers.

GO ?= go
# Where `make build` puts the executables, and `make dist` the .deb.
BINDIR ?= bin
DISTDIR ?= dist
BIN := $(BINDIR)/tokentray
# The window is an executable of its own, built beside tokentray: the
# commands, host and daemon link no Fyne (cmd/tokentray-window).
WINDOW := ./cmd/tokentray-window

# What `tokentray --version` prints: "tokentray VERSION (commit COMMIT)".
# Asked of git once (:=), so that the binaries and the .deb agree.
ifndef VERSION
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
ifndef COMMIT
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
endif
# -r: the clipboard library (golang.design/x/clipboard v0.7.1) dlopens the
# unversioned "libX11.so", which only libx11-dev ships. The .deb puts a
# link of that name to libX11.so.6 in /usr/lib/tokentray, and the
# executables look there first ($ORIGIN is /usr/bin), so the package
# needs only libx11-6. A build from source has the -dev package anyway.
LDFLAGS := -X github.com/tokentray/tokentray/cli.version=$(VERSION) -X github.com/tokentray/tokentray/cli.commit=$(COMMIT) -r \$$ORIGIN/../lib/tokentray

.PHONY: package dist stress screenshots measure-desktop measure-scale all deps deps-build deps-cross build run cross cross-check test test-in-env bench bench-socket bench-proxy soak fuzz fuzz-run

all: build

# Everything the tests need (the build headers, the private session and
# the tools the tests look with).
deps:
	scripts/deps.sh test

# Only what building the desktop app needs.
deps-build:
	scripts/deps.sh build

deps-cross:
	scripts/deps.sh cross

build: deps-build
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BINDIR)/ . $(WINDOW)

# The Linux desktop archive (dist/tokentray.tar.xz): fyne package around
# $(BINDIR)/tokentray, with tokentray-window beside it (scripts/package.sh).
package: build
	BINDIR=$(BINDIR) scripts/package.sh

# The Debian package, $(DISTDIR)/tokentray_<version>_amd64.deb: nfpm (a
# go.mod tool) around `make build`'s two executables, the desktop entry,
# the icon, the systemd user units and the README (packaging/nfpm.yaml,
# scripts/dist.sh). Install it with: sudo apt install ./dist/tokentray_*.deb
# The executables are stripped (-s -w: no symbol table, no DWARF), as
# Debian ships binaries; panics still print their stacks.
dist: LDFLAGS += -s -w
dist: build
	GO=$(GO) VERSION=$(VERSION) BINDIR=$(BINDIR) DISTDIR=$(DISTDIR) scripts/dist.sh

# The desktop app on the caller's own desktop session.
run: build
	$(abspath $(BIN))

test: deps
	scripts/testenv.sh $(MAKE) --no-print-directory test-in-env

# The Windows desktop app, cross-compiled: tokentray.exe (no cgo: tray and
# clipboard are Win32 calls) and tokentray-window.exe beside it (Fyne and
# GLFW in C, with mingw-w64); only built, never run here. About 10 minutes
# on 2 cores from a cold cache (GLFW in C), seconds after.
cross: deps-cross
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o $(BINDIR)/tokentray.exe .
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build -o $(BINDIR)/tokentray-window.exe $(WINDOW)

# tokentray (commands, host, daemon) built without cgo, and every package
# that does not need cgo (all but the window's, which needs Fyne) vetted,
# for each OS tokentray ships on: a Unix-only call in a file that every OS
# compiles fails here in seconds.
CROSS_TARGETS ?= linux/amd64 darwin/arm64 windows/amd64
cross-check:
	@set -e; for target in $(CROSS_TARGETS); do \
		export GOOS=$${target%/*} GOARCH=$${target#*/} CGO_ENABLED=0; \
		echo "cross-check: $$target"; \
		$(GO) build -o /dev/null .; \
		pkgs=$$($(GO) list -e -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep -v ' fyne.io/fyne/' | cut -d' ' -f1); \
		$(GO) vet $$pkgs; \
	done

# What `make test` runs inside the private session. Run directly, the
# keychain tests would use your own keyring (with items of their own).
test-in-env:
	$(GO) vet ./...
	$(MAKE) --no-print-directory cross-check
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files are not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) test -race -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz-run FUZZSCALE=1

# Benchmarks: the engine's hot path and a token read over the socket next
# to a fixed-answer server on the same kind of socket (go test -bench),
# then the whole-process load test with p50/p99 and the command against
# secret-tool (bench-socket). Numbers: README.md, docs/bench-socket.md.
bench: deps
	scripts/testenv.sh $(GO) test -run '^$$' -bench . -benchmem ./manager/ ./platform/socket/server/ ./proxy/
	$(MAKE) --no-print-directory bench-socket
	$(MAKE) --no-print-directory bench-proxy

bench-socket: deps
	TOKENTRAY_BENCH=1 scripts/testenv.sh $(GO) test -count=1 -run Bench -v ./e2e/

# The local proxy's cost: requests/s and p50/p99 through the daemon's
# proxy and through `tokentray proxy`, next to the same requests sent
# straight to the upstream with the token, at 1, 8 and 32 clients, in one
# run (e2e/bench_proxy_test.go). Numbers: README.md, "Use it from other tools".
bench-proxy: deps
	TOKENTRAY_BENCH=1 scripts/testenv.sh $(GO) test -count=1 -run LoadProxy -v ./e2e/

# The soak test (e2e/soak_test.go) for 10 minutes instead of the 75 s it
# runs in `make test`: 32 socket clients through 30 s token rotations.
# TOKENTRAY_SOAK_DURATION=1h make soak runs it longer.
soak: deps
	TOKENTRAY_SOAK=1 scripts/testenv.sh $(GO) test -race -run Soak -timeout 2h -v ./...

# The engine, socket and config tests five times over with -race while two
# busy loops load both cores, inside the test session (scripts/stress.sh):
# it catches tests that wait on a counter or a cleared error and pass on an
# idle machine before the state they stand for exists. Run it before you
# stop whenever manager/ or platform/socket/ changed.
stress: deps
	scripts/testenv.sh scripts/stress.sh

# Fuzz targets, each for a number of inputs (about 10 s of fuzzing each
# on this machine in `make test`, FUZZSCALE=3 times that in `make fuzz`);
# seeds and any failing input live in testdata/fuzz/<target>/ of the
# package. A count, not a duration: Go 1.26's coordinator can fail a
# duration-bound run with a bare "context deadline exceeded" when a worker
# is busy at the deadline (golang/go#75804, fixed in Go 1.27).
FUZZSCALE ?= 3
fuzz: deps
	scripts/testenv.sh $(MAKE) --no-print-directory fuzz-run FUZZSCALE=$(FUZZSCALE)

fuzz-run:
	$(GO) test -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $$((15000 * $(FUZZSCALE)))x ./manager/
	$(GO) test -run '^$$' -fuzz '^FuzzCallbackQuery$$' -fuzztime $$((5000 * $(FUZZSCALE)))x ./manager/
	$(GO) test -run '^$$' -fuzz '^FuzzSocketRouter$$' -fuzztime $$((70000 * $(FUZZSCALE)))x ./platform/socket/server/

# The README's screenshots (docs/desktop-*.png), taken under the private
# session by e2e/screenshots_test.go.
screenshots: deps
	TOKENTRAY_SCREENSHOTS=1 scripts/testenv.sh $(GO) test -count=1 -run TestScreenshotsForTheREADME -v ./e2e/

# The desktop host's cost: hidden for 60 s, the window open with 11
# environments for 60 s, after closing it (README, "The desktop app").
measure-desktop: deps
	TOKENTRAY_MEASURE=1 scripts/testenv.sh $(GO) test -count=1 -run TestDesktopHostTrayClipboardAndWindow -v ./e2e/

# The cost as environments grow: 1, 10, 100 and 1,000 client-credentials
# environments with the keychain, the host and its tray in xfce4-panel
# (README, "As environments grow"; e2e/scale_test.go). About 15 minutes.
# TOKENTRAY_SCALE_N="1 10" and TOKENTRAY_SCALE_IDLE=20s make it shorter.
measure-scale: deps
	TOKENTRAY_SCALE=1 scripts/testenv.sh $(GO) test -count=1 -run TestScaleEnvironments -timeout 90m -v ./e2e/
