#!/usr/bin/env bash
# The proxy's suite: kafkabridge-proxy (target/release) driven by redis-py and raw sockets
# against the real broker in KAFKA_BROKERS. Installs redis-py (redis>=5) with pip if missing.
# Last line: "proxy: N passed, N failed"; exits non-zero on any failure or when no test ran.
set -uo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
if [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "run-tests.sh: KAFKA_BROKERS is not set (start a broker with harness/kafka/start.sh)" >&2
    echo "proxy: 0 passed, 1 failed"
    exit 2
fi
[ -x ../target/release/kafkabridge-proxy ] || (cd .. && cargo build --release -p kafkabridge-proxy) || {
    echo "proxy: 0 passed, 1 failed"; exit 2; }
for mod in pytest redis; do
    "$PYTHON" -c "import $mod" >/dev/null 2>&1 || "$PYTHON" -m pip install -q "$mod" || {
        echo "run-tests.sh: could not install $mod" >&2; echo "proxy: 0 passed, 1 failed"; exit 2; }
done
report="$(mktemp -t kb-proxy-XXXXXX.xml)"
trap 'rm -f "$report"' EXIT
export PYTHONDONTWRITEBYTECODE=1
"$PYTHON" -m pytest -q -p no:cacheprovider -o junit_family=xunit2 --junitxml="$report" tests "$@" 2>&1 | grep -v '^- generated xml file'
rc=${PIPESTATUS[0]}
read -r passed failed < <("$PYTHON" - "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1)
    raise SystemExit
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
tests = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - bad - skipped, bad)
PY
)
echo "proxy: $passed passed, $failed failed"
((rc == 0 && passed > 0))
