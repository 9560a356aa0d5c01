# tokentray. `make test` works on a fresh Debian 12 with Go installed:
# scripts/deps.sh installs what is missing, scripts/testenv.sh gives the
# tests a private desktop session (D-Bus, gnome-keyring, Xvfb, tray host).

GO ?= go
BIN := bin/tokentray

.PHONY: all deps build run test test-in-env bench soak

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

# Benchmarks (placeholder: helpers add theirs).
bench: deps
	scripts/testenv.sh $(GO) test -run '^$$' -bench . -benchmem ./...

# Long-running tests (placeholder): tests named Soak* that skip unless
# TOKENTRAY_SOAK=1.
soak: deps
	TOKENTRAY_SOAK=1 scripts/testenv.sh $(GO) test -race -run Soak -timeout 2h ./...
