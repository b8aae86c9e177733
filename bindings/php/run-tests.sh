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
#
# KB_BROKERLESS=1 (make check-bindings): both PHPUnit runs with --group brokerless only (tests
# that need no cluster, or take the embedded mock cluster from KafkaTestCase::cluster() since
# KAFKA_BROKERS is unset here), reported as "php-cdef, broker-less: ...", and the Composer
# packages' check (tests/composer/run.sh); no FPM suites.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
lib="$repo/target/release/libkafkabridge.so"
preload="$repo/target/release/kafkabridge_preload.h"

die() {
    echo "run-tests.sh: $*" >&2
    exit 2
}

brokerless=""
group=()
if [ "${KB_BROKERLESS:-}" = 1 ]; then
    brokerless=", broker-less"
    group=(--group brokerless)
    unset KAFKA_BROKERS
elif [ -z "${KAFKA_BROKERS:-}" ]; then
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
    local log=$tmp/$1.xml suite=$1$brokerless
    shift
    echo "== $suite: php $* phpunit -c bindings/php/phpunit.xml${group[*]:+ ${group[*]}}"
    php "$@" "$phpunit_bin" -c "$here/phpunit.xml" --log-junit "$log" "${group[@]}" "${extra_args[@]}"
    local rc=$?
    summarize_junit "$suite" "$log" "$rc"
    return "$rc"
}

extra_args=("$@")
if [ -n "$brokerless" ]; then
    # Both runs at once: broker-less they mostly wait on librdkafka's timers (its first
    # connection attempt comes after a second), not on the CPU. The preload run's output follows
    # the cdef run's, as if they ran one after the other.
    run_phpunit php-preload -d "ffi.preload=$preload" >"$tmp/preload.out" 2>&1 &
    preload_pid=$!
    run_phpunit php-cdef || failed=1
    wait "$preload_pid" || failed=1
    cat "$tmp/preload.out"
    # The two Composer packages, installed from this checkout (no broker, no network).
    echo "== bindings/php/tests/composer/run.sh"
    bash "$here/tests/composer/run.sh" || failed=1
    exit "$failed"
fi
run_phpunit php-cdef || failed=1
run_phpunit php-preload -d "ffi.preload=$preload" || failed=1

# Further suites: every tests/fpm/*.sh (not recursive; helpers belong in subdirectories).
shopt -s nullglob
for suite in "$here"/tests/fpm/*.sh; do
    echo "== ${suite#"$repo"/}"
    bash "$suite" || failed=1
done

exit "$failed"
