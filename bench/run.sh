#!/usr/bin/env bash
# `make bench`: installs what the benchmarks need, builds every benchmark program, runs the
# matrix against the test broker (bench/run.py) and writes the report and chart (bench/report.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

bash harness/install-deps.sh bench
echo "bench: building" >&2
make --no-print-directory build >/dev/null
cargo build --release --quiet --example bench_native
make --no-print-directory -s -C bench/c
bash bench/go/build.sh
bash bench/python/setup.sh
py="$root/target/bench/venv/bin/python"

# BENCH_RESULTS: where latest.{json,md,png} go. With KAFKA_BROKERS set (as inside `make test`)
# the broker already running is used; otherwise the test broker is started and stopped around the run.
# PHP_RDKAFKA_SRC (a php-rdkafka checkout) adds the extension's rows to the php-rdkafka comparison:
# run.py builds it with harness/php-rdkafka/build.sh (into target/php-rdkafka/).
results="${BENCH_RESULTS:-bench/results}"
export BENCH_RESULTS="$results"
rc=0
if [[ -n "${KAFKA_BROKERS:-}" ]]; then
  "$py" bench/run.py || rc=$?
else
  bash harness/with-broker.sh "$py" bench/run.py || rc=$?
fi
if [[ -f "$results/latest.json" ]]; then
  "$py" bench/report.py "$results/latest.json"
fi
echo "bench: finished in $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s (exit $rc)" >&2
exit "$rc"
