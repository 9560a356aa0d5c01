# tokentray. `make test` works on a fresh Debian 12 with Go installed:
# scripts/deps.sh installs what is missing, scripts/testenv.sh gives the
# tests a private desktop session (D-Bus, gnome-keyring, Xvfb, tray host).

GO ?= go
BIN := bin/tokentray

.PHONY: all deps build run test test-in-env bench bench-socket soak fuzz fuzz-run

all: build

deps:
	scripts/deps.sh

build: deps
	$(GO) build -o $(BIN) .

# The desktop app on the caller's own desktop session.
run: build
	./$(BIN)

test: deps
	scripts/testenv.sh $(MAKE) --no-print-directory test-in-env

# What `make test` runs inside the private session. Run directly, the
# keychain tests would use your own keyring (with items of their own).
test-in-env:
	$(GO) vet ./...
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files are not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) test -race -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz-run FUZZTIME=10s

# Benchmarks: the engine's hot path and a token read over the socket next
# to a fixed-answer server on the same kind of socket (go test -bench),
# then the whole-process load test with p50/p99 and the command against
# secret-tool (bench-socket). Numbers: README.md, docs/bench-socket.md.
bench: deps
	scripts/testenv.sh $(GO) test -run '^$$' -bench . -benchmem ./manager/ ./platform/socket/
	$(MAKE) --no-print-directory bench-socket

bench-socket: deps
	TOKENTRAY_BENCH=1 scripts/testenv.sh $(GO) test -count=1 -run Bench -v ./e2e/

# The soak test (e2e/soak_test.go) for 10 minutes instead of the 75 s it
# runs in `make test`: 32 socket clients through 30 s token rotations.
# TOKENTRAY_SOAK_DURATION=1h make soak runs it longer.
soak: deps
	TOKENTRAY_SOAK=1 scripts/testenv.sh $(GO) test -race -run Soak -timeout 2h -v ./...

# Fuzz targets, each for FUZZTIME (30s here, 10s in `make test`); seeds
# and any failing input live in testdata/fuzz/<target>/ of the package.
FUZZTIME ?= 30s
fuzz: deps
	scripts/testenv.sh $(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZTIME)

fuzz-run:
	$(GO) test -run '^$$' -fuzz '^FuzzParseConfig$$' -fuzztime $(FUZZTIME) ./manager/
	$(GO) test -run '^$$' -fuzz '^FuzzCallbackQuery$$' -fuzztime $(FUZZTIME) ./manager/
	$(GO) test -run '^$$' -fuzz '^FuzzSocketRouter$$' -fuzztime $(FUZZTIME) ./platform/socket/
