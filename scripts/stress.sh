#!/usr/bin/env bash
# stress.sh runs the engine, socket and config tests five times over with
# the race detector while two busy loops keep both cores loaded. A test
# that waits on a counter or a cleared error can pass on an idle machine
# before the state it stands for exists; under load it fails here instead
# of in CI. Run inside scripts/testenv.sh (make stress does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(${STRESS_PACKAGES:-./manager/ ./platform/socket/... ./config/ ./host/})
count=${STRESS_COUNT:-5}

# Build first, unloaded: the point is to load the tests, not the compiler.
go test -race -count=1 -run '^$' "${packages[@]}" >/dev/null

busy=()
for _ in 1 2; do
	( while :; do :; done ) &
	busy+=($!)
done
trap 'kill "${busy[@]}" 2>/dev/null || true' EXIT

echo "stress: ${packages[*]} with -race -count=$count under two busy loops" >&2
go test -race -count="$count" -timeout 60m "${packages[@]}"
