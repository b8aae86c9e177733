#!/usr/bin/env bash
# Runs the Go binding's tests against the real broker in $KAFKA_BROKERS.
# Prints "go: N passed, N failed" last; exits non-zero on failure or zero tests.
#
# KB_BROKERLESS=1 (make check-bindings): `go test -short`, with KAFKA_BROKERS unset: the tests
# that need the broker skip (brokers() in kafkabridge_test.go), those needing a cluster get an
# embedded mock cluster; last line "go, broker-less: N passed, N failed", skips not counted.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

suite=go
short=()
if [ "${KB_BROKERLESS:-}" = 1 ]; then
    suite="go, broker-less"
    short=(-short)
    unset KAFKA_BROKERS
elif [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "run-tests.sh: KAFKA_BROKERS is not set (e.g. 127.0.0.1:39092)" >&2
    echo "go: 0 passed, 0 failed"
    exit 2
fi
if ! command -v go >/dev/null; then
    echo "run-tests.sh: go not found: install Go 1.22 or newer (https://go.dev/dl/) and put it on PATH" >&2
    echo "$suite: 0 passed, 1 failed"
    exit 2
fi
if [ ! -f "$repo/target/release/kafkabridge.pc" ]; then
    echo "run-tests.sh: $repo/target/release/kafkabridge.pc missing: run 'make build' in $repo" >&2
    echo "$suite: 0 passed, 0 failed"
    exit 2
fi

export PKG_CONFIG_PATH="$repo/target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cd "$here"
go vet ./... || { echo "go: go vet reported problems"; echo "$suite: 0 passed, 1 failed"; exit 1; }
go test -race -count=1 -v "${short[@]}" ./... 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Top-level tests only: subtests are indented ("    --- PASS").
passed=$(grep -c '^--- PASS' "$log")
failed=$(grep -c '^--- FAIL' "$log")
skipped=$(grep -c '^--- SKIP' "$log")
if [ "$skipped" -ne 0 ]; then
    echo "$suite: $skipped skipped, not counted (--- SKIP above says why)"
fi
echo "$suite: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
exit 0
