#!/usr/bin/env bash
# Creates target/bench/venv (if missing) with bench/python/requirements.txt installed.
# Idempotent and silent on success; pip runs only when requirements.txt changed since the last
# successful install (a stamp file in the venv holds its checksum).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/target/bench/venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
fi

sum="$(sha256sum "$req" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sum" ]; then
    log="$(mktemp -t kb-bench-pip-XXXXXX.log)"
    if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "setup.sh: pip install -r $req failed" >&2
        exit 1
    fi
    rm -f "$log"
    echo "$sum" >"$stamp"
fi
