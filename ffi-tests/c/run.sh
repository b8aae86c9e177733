#!/usr/bin/env bash
# Runs each C test program (under valgrind when KB_VALGRIND=1) and sums their results.
set -uo pipefail
passed=0 failed=0 broken=()
for t in "$@"; do
    name=$(basename "$t")
    if [ "${KB_VALGRIND:-}" = 1 ]; then
        echo "== $name (valgrind)"
        cmd=(valgrind -q --error-exitcode=99 --child-silent-after-fork=yes --leak-check=full --show-leak-kinds=definite,indirect
             --errors-for-leak-kinds=definite,indirect --suppressions="$(dirname "$0")/valgrind.supp" "$t")
    else
        echo "== $name"
        cmd=("$t")
    fi
    out=$(mktemp)
    "${cmd[@]}" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
    rm -f "$out"
    if [ -z "$line" ] || [ "$rc" != 0 ]; then broken+=("$name (exit $rc)"); fi
    if [ -n "$line" ]; then
        passed=$((passed + ${line%% passed*}))
        f=${line#*, }; failed=$((failed + ${f%% failed*}))
    fi
done
if ((${#broken[@]})); then echo "failing programs: ${broken[*]}"; fi
echo "${KB_SUITE:-c suite}${KB_VALGRIND:+ under valgrind}: $passed passed, $failed failed"
[ ${#broken[@]} = 0 ] && [ "$failed" = 0 ]
