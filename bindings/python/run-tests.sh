#!/usr/bin/env bash
# Runs the Python binding's tests against the real broker in KAFKA_BROKERS.
# Last line: "python: N passed, N failed". Exits non-zero on any failure or when no test ran.
#
# KB_BROKERLESS=1 (make check-bindings): only the tests marked brokerless (-m brokerless), with
# KAFKA_BROKERS unset so that those needing a cluster get the in-process mock cluster; last line
# "python, broker-less: N passed, N failed". A missing pytest is then an error, not installed.
set -uo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
suite=python
select=()
if [ "${KB_BROKERLESS:-}" = 1 ]; then
    suite="python, broker-less"
    select=(-m brokerless)
    unset KAFKA_BROKERS
    command -v "$PYTHON" >/dev/null || { echo "run-tests.sh: $PYTHON not found: install python3 (3.8 or newer)" >&2; echo "$suite: 0 passed, 1 failed"; exit 2; }
    if ! "$PYTHON" -c 'import pytest' >/dev/null 2>&1; then
        echo "run-tests.sh: pytest is not installed for $PYTHON: run 'make deps' (python3-pytest) or '$PYTHON -m pip install pytest'" >&2
        echo "$suite: 0 passed, 1 failed"
        exit 2
    fi
elif [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "run-tests.sh: KAFKA_BROKERS is not set (e.g. 127.0.0.1:39092; start one with harness/kafka/start.sh)" >&2
    echo "python: 0 passed, 0 failed"
    exit 2
elif ! "$PYTHON" -c 'import pytest' >/dev/null 2>&1; then
    "$PYTHON" -m pip install -q pytest || { echo "run-tests.sh: could not install pytest" >&2; echo "python: 0 passed, 0 failed"; exit 2; }
fi

if [ -z "${KAFKABRIDGE_LIB:-}" ] && [ ! -f ../../target/release/libkafkabridge.so ]; then
    echo "run-tests.sh: ../../target/release/libkafkabridge.so missing; run 'make build' or set KAFKABRIDGE_LIB" >&2
fi

report="$(mktemp -t kb-pytest-XXXXXX.xml)"
trap 'rm -f "$report"' EXIT
export PYTHONDONTWRITEBYTECODE=1

"$PYTHON" -m pytest -q -p no:cacheprovider -o junit_family=xunit2 --junitxml="$report" "${select[@]}" tests "$@" 2>&1 \
    | grep -v '^- generated xml file'
rc=${PIPESTATUS[0]}

read -r passed failed < <("$PYTHON" - "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 0)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = failed = skipped = 0
for s in suites:
    tests += int(s.get("tests", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
print(tests - failed - skipped, failed)
PY
)
passed=${passed:-0}
failed=${failed:-0}
echo "$suite: ${passed} passed, ${failed} failed"

if [ "$rc" -ne 0 ]; then exit "$rc"; fi
if [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "run-tests.sh: no tests ran" >&2; exit 1; fi
exit 0
