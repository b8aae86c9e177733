#!/usr/bin/env bash
# Builds the Go benchmark programs into <repo>/target/bench/: go-kb (kafkabridge's Go
# binding) and go-confluent (confluent-kafka-go with its own static librdkafka). They are
# separate binaries so that no process ever holds two librdkafka copies. Silent on success.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/target/bench"

if [ ! -f "$repo/target/release/kafkabridge.pc" ]; then
    echo "bench/go/build.sh: $repo/target/release/kafkabridge.pc missing: run 'make build' first" >&2
    exit 1
fi

# kafkabridge.pc links with -rpath to target/release, so go-kb runs without LD_LIBRARY_PATH.
export PKG_CONFIG_PATH="$repo/target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export CGO_ENABLED=1
mkdir -p "$out"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
cd "$here"
for prog in go-kb go-confluent; do
    # go prints module downloads on stderr: keep it for failures only.
    if ! go build -buildvcs=false -o "$out/$prog" "./cmd/$prog" >"$log" 2>&1; then
        cat "$log" >&2
        echo "bench/go/build.sh: building $prog failed" >&2
        exit 1
    fi
done
