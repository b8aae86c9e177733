#!/usr/bin/env bash
# Copies the headers build.rs generated (in cargo's OUT_DIR) into include/, or with --check fails
# when the committed include/ differs from them. Builds the library first (release profile).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pkgid="$(cargo pkgid)"
out_dir="$(cargo build --release --message-format=json-render-diagnostics |
    PKGID="$pkgid" python3 -c 'import json, os, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and m["package_id"] == os.environ["PKGID"]:
        print(m["out_dir"])' | tail -1)"
[[ -f "$out_dir/kafkabridge.h" ]] || { echo "headers: no generated kafkabridge.h found (out_dir '$out_dir')" >&2; exit 1; }
stale=0
for h in kafkabridge.h kafkabridge_ffi.h; do
    if [[ "${1:-}" == --check ]]; then
        cmp -s "$out_dir/$h" "include/$h" || { echo "include/$h is stale: run 'make headers' and commit it"; stale=1; }
    else
        cmp -s "$out_dir/$h" "include/$h" || { cp "$out_dir/$h" "include/$h"; echo "wrote include/$h"; }
    fi
done
[[ "${1:-}" == --check ]] && [[ $stale == 0 ]] && echo "headers: current"
exit $stale
