#!/usr/bin/env bash
# The PHP binding's test entry point (`make php-test`, with KAFKA_BROKERS exported by
# harness/with-broker.sh). Runs, in order, and reports each suite as "<suite>: N passed, N failed"
# (the line harness/summarize.sh adds up):
#
#   php-cdef     PHPUnit with the library loaded by FFI::cdef() (the CLI default)
#   php-preload  PHPUnit again with ffi.preload=target/release/kafkabridge_preload.h (as under FPM)
#   tests/fpm/*.sh, if present: further suites (the PHP-FPM harness), each run with bash; each
#                prints its own summary and exits non-zero on failure
#
# Exits non-zero if any suite failed. PHPUnit's own summary line ("OK (...)" or "FAILURES!")
# appears in the output. Extra arguments go to PHPUnit (e.g. --filter ConfigTest).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$repo/target/release/libkafkabridge.so"
preload="$repo/target/release/kafkabridge_preload.h"

die() {
    echo "run-tests.sh: $*" >&2
    exit 2
}

if [ -z "${KAFKA_BROKERS:-}" ]; then
    die "KAFKA_BROKERS is not set. Start the broker with harness/kafka/start.sh and" \
        "export KAFKA_BROKERS=127.0.0.1:39092, or run: bash harness/with-broker.sh make php-test"
fi
[ -f "$lib" ] && [ -f "$preload" ] || die "$lib or $preload is missing: run make build"
command -v php >/dev/null || die "php not found: run bash harness/install-deps.sh (php8.2-cli)"
phpunit_bin="$(command -v phpunit)" || die "phpunit not found: run bash harness/install-deps.sh (phpunit)"
php -r 'exit(extension_loaded("ffi") ? 0 : 1);' || die "PHP's FFI extension is not loaded (extension=ffi)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0

# Prints "<suite>: N passed, N failed" from a JUnit log; a crash (no log) or a non-zero exit
# without failures (warnings, risky tests) counts as one failure.
summarize_junit() {
    local suite=$1 log=$2 rc=$3
    php -r '
        [$suite, $log, $rc] = [$argv[1], $argv[2], (int) $argv[3]];
        $x = is_file($log) ? @simplexml_load_file($log) : false;
        $s = $x !== false && isset($x->testsuite) ? $x->testsuite : null;
        $tests = $s ? (int) $s["tests"] : 0;
        $bad = $s ? (int) $s["failures"] + (int) $s["errors"] : 0;
        $skipped = $s ? (int) $s["skipped"] : 0;
        if ($rc !== 0 && $bad === 0) { $bad = 1; }
        printf("%s: %d passed, %d failed\n", $suite, max(0, $tests - $bad - $skipped), $bad);
    ' "$suite" "$log" "$rc"
}

# run_phpunit <suite> [php options...]
run_phpunit() {
    local suite=$1
    shift
    echo "== $suite: php $* phpunit -c bindings/php/phpunit.xml"
    php "$@" "$phpunit_bin" -c "$here/phpunit.xml" --log-junit "$tmp/$suite.xml" "${extra_args[@]}"
    local rc=$?
    summarize_junit "$suite" "$tmp/$suite.xml" "$rc"
    [ "$rc" -eq 0 ] || failed=1
}

extra_args=("$@")
run_phpunit php-cdef
run_phpunit php-preload -d "ffi.preload=$preload"

# Further suites: every tests/fpm/*.sh (not recursive; helpers belong in subdirectories).
shopt -s nullglob
for suite in "$here"/tests/fpm/*.sh; do
    echo "== ${suite#"$repo"/}"
    bash "$suite" || failed=1
done

exit "$failed"
