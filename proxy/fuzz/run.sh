#!/usr/bin/env bash
# Coverage-guided fuzzing of the proxy's RESP parser with libFuzzer, on the stable toolchain:
# the coverage instrumentation libFuzzer needs is LLVM's SanitizerCoverage pass, which rustc
# runs on request (-Cpasses=sancov-module); no nightly-only sanitizer is used (the parser is
# safe Rust, built with overflow and debug assertions on, so what the fuzzer can find is a
# panic: a failed assertion of the target, an out-of-range slice, an overflow).
#
#   bash proxy/fuzz/run.sh [seconds]      (default 60)
#
# Seeds are proxy/fuzz/seeds/; the corpus grows in target/fuzz/corpus/ (kept between runs);
# a crashing input is written to target/fuzz/artifacts/ and the script fails, naming it.
# The last line is "fuzz: N passed, M failed" for harness/summarize.sh.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
root=$(cd ../.. && pwd)
out=$root/target/fuzz
mkdir -p "$out/corpus" "$out/artifacts"

export CARGO_TARGET_DIR=$out/build
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps RUSTFLAGS off the build scripts (they run uninstrumented).
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --quiet --target "$host" --bin resp_parse

status=0
"$CARGO_TARGET_DIR/$host/release/resp_parse" -max_total_time="$seconds" -max_len=4096 \
  -dict=resp.dict -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/" "$out/corpus" seeds > "$out/resp_parse.log" 2>&1 || status=$?
grep -E "^(stat::|#[0-9]+ *DONE)|Done [0-9]+ runs" "$out/resp_parse.log" | tail -6 || true
if [ "$status" -ne 0 ]; then
  tail -40 "$out/resp_parse.log"
  echo "the parser failed on: $(ls -t "$out/artifacts" | head -1) (in $out/artifacts)"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
echo "corpus: $(ls "$out/corpus" | wc -l) inputs"
echo "fuzz: 1 passed, 0 failed"
