#!/usr/bin/env bash
# The PHP-FPM persistence test: a real php-fpm (Debian's php-fpm8.2) with its own generated
# config, driven over FastCGI with cgi-fcgi, against the real broker in KAFKA_BROKERS.
#
#   Scenario 1 (persistence): 1000 concurrent requests, each a synchronous produce on the
#     persistent producer "fpm-sync" (www/produce_sync.php). Every message is delivered exactly
#     once; each worker creates one client on its first request and reuses it afterwards; no
#     client comes from the FPM master; broker connections do not grow with requests.
#   Scenario 2 (recycle, no loss): pm.max_requests=25, 1000 fire-and-forget produces
#     (www/produce_async.php, no poll, no flush, linger.ms=1000), then a graceful stop (SIGQUIT).
#     Each worker answers its last request with its messages still lingering in librdkafka.
#     kafkabridge's exit flush in every recycled or stopped worker must deliver all 1000.
#   Scenarios 3 and 4 (persistent consumers): 10000 messages produced, then read by requests of
#     "poll up to 10, commit" (www/consume.php) on the persistent consumer "fpm-consume", in
#     rounds until every message was read: first with a static pool (pm.max_requests=0), then
#     with workers recycled every FPM_CONSUME_MAX_REQUESTS requests. Every message is read at
#     least once and each duplicate is explained by a failed commit; consumer clients created =
#     worker processes; group rebalances (the group generation) stay near worker starts; broker
#     connections stay flat.
#   Scenario 5 (persistence with no code change): an unmodified php-rdkafka script
#     (www/rdkafka_seed.php, the drop-in loaded by auto_prepend_file) on a pool without the
#     switch (100 requests: a client per request, idle workers hold no broker connection), then on
#     one with env[KAFKABRIDGE_PERSISTENT] = 1 (FPM_TEST_REQUESTS requests): every message
#     delivered once, every idle worker keeps its connection, connections flat.
#
# PHP runs with the setup bindings/php/README.md recommends: ffi.enable=preload,
# ffi.preload=target/release/kafkabridge_preload.h and opcache.preload=bindings/php/preload.php
# (FFI's API is confined to preloaded code, so the KafkaBridge classes are preloaded). The
# endpoints use KafkaBridge\Producer. CLI helpers in cli/ use FFI directly (CLI is exempt).
#
# Usage: KAFKA_BROKERS=127.0.0.1:39092 bash bindings/php/tests/fpm/run.sh
# Knobs: FPM_TEST_REQUESTS (1000), FPM_TEST_WORKERS (4), FPM_TEST_CONCURRENCY (8),
#        FPM_TEST_MAX_REQUESTS (25) and FPM_TEST_LINGER_MS (1000) for scenario 2,
#        FPM_CONSUME_MESSAGES (10000), FPM_CONSUME_PARTITIONS (8), FPM_CONSUME_MAX_REQUESTS (20)
#        for scenario 4, FPM_TEST_SCENARIOS ("1 2 3 4"), FPM_TEST_KEEP=1 keeps the temp dir.
# Last line: "fpm: N passed, N failed"; the exit status is non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
if [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "fpm: KAFKA_BROKERS must name the broker (harness/kafka/start.sh prints it)"
    echo "fpm: 0 passed, 1 failed"
    exit 1
fi
export KAFKA_BROKERS
REQUESTS="${FPM_TEST_REQUESTS:-1000}"
WORKERS="${FPM_TEST_WORKERS:-4}"
CONCURRENCY="${FPM_TEST_CONCURRENCY:-8}"
MAX_REQUESTS="${FPM_TEST_MAX_REQUESTS:-25}"
LINGER_MS="${FPM_TEST_LINGER_MS:-1000}"
PARTITIONS=3
CONSUME_MESSAGES="${FPM_CONSUME_MESSAGES:-10000}"
CONSUME_PARTITIONS="${FPM_CONSUME_PARTITIONS:-8}"
CONSUME_MAX_REQUESTS="${FPM_CONSUME_MAX_REQUESTS:-20}"
# Requests per round, and the most a consuming scenario may send (each reads at most 10).
CONSUME_ROUND=250
CONSUME_REQUEST_CAP=$((CONSUME_MESSAGES / 2 + 2000))
FPM_BIN=/usr/sbin/php-fpm8.2
started=$SECONDS

# --- what the test needs --------------------------------------------------------------------
missing=()
[ -x "$FPM_BIN" ] || missing+=(php8.2-fpm)
command -v php >/dev/null || missing+=(php8.2-cli)
command -v cgi-fcgi >/dev/null || missing+=(libfcgi-bin)
command -v ss >/dev/null || missing+=(iproute2)
if ((${#missing[@]})); then
    echo "fpm: installing ${missing[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
lib="$root/target/release/libkafkabridge.so"
preload="$root/target/release/kafkabridge_preload.h"
[ -f "$lib" ] && [ -f "$preload" ] || make -C "$root" --no-print-directory build >/dev/null
grep -q "FFI_LIB \"$lib\"" "$preload" || { echo "fpm: $preload does not point at $lib (run make build)"; exit 1; }

# The CLI helpers (topic admin, consume-back, analysis) use the same preloaded declarations.
php_cli=(php -d ffi.enable=preload -d "ffi.preload=$preload")

# Broker ports for the ss filter (every host:port in KAFKA_BROKERS).
ss_filter=""
IFS=, read -ra broker_list <<<"$KAFKA_BROKERS"
for b in "${broker_list[@]}"; do ss_filter+="${ss_filter:+ or }dport = :${b##*:}"; done
ss_filter="( $ss_filter )"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/kb-fpm.XXXXXX")"
fpm_pid=""
passed=0
failed=0
topics=()

log() { echo "fpm: $*"; }
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "  FAIL $*"; }

# Stops the php-fpm this script started: SIGQUIT (graceful: workers finish, exit normally and
# flush), bounded; SIGTERM then SIGKILL if it overstays. Returns 1 if it had to be forced.
stop_fpm() {
    [ -n "$fpm_pid" ] || return 0
    local pid=$fpm_pid deadline=$((SECONDS + 45)) forced=0 workers
    workers="$(ps -o pid= --ppid "$pid" 2>/dev/null || true)"
    kill -QUIT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        forced=1
        log "php-fpm $pid did not stop on SIGQUIT within 45 s; killing it"
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 5))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        for w in $workers; do kill -KILL "$w" 2>/dev/null || true; done
    fi
    wait "$pid" 2>/dev/null || true
    fpm_pid=""
    return $((forced))
}

summarized=0
cleanup() {
    local rc=$?
    stop_fpm || true
    if ((!summarized)); then          # interrupted or an unexpected error: still close with the tally
        echo "fpm: aborted (exit status $rc)"
        echo "fpm: $passed passed, $((failed + 1)) failed"
        ((rc != 0)) || rc=1
    fi
    for t in "${topics[@]}"; do "${php_cli[@]}" "$here/cli/topic.php" delete "$t" >/dev/null 2>&1 || true; done
    if [ "${FPM_TEST_KEEP:-0}" = 1 ]; then echo "fpm: kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_fpm <dir> <max_requests>: renders the templates into <dir> (adding the pool lines in
# POOL_EXTRA, if set), starts php-fpm in the foreground (as a child of this script) and waits,
# bounded, until a worker answers /ping.
start_fpm() {
    local dir=$1 max_requests=$2 run_as_root=() deadline
    mkdir -p "$dir"
    sed -e "s|@PRELOAD@|$preload|g; s|@HERE@|$here|g; s|@USER@|$(id -un)|g" "$here/conf/php.ini.in" >"$dir/php.ini"
    sed -e "s|@TMP@|$dir|g; s|@WORKERS@|$WORKERS|g; s|@MAX_REQUESTS@|$max_requests|g" \
        -e "s|@BROKERS@|$KAFKA_BROKERS|g; s|@LINGER_MS@|$LINGER_MS|g" "$here/conf/php-fpm.conf.in" >"$dir/php-fpm.conf"
    # Lines for the pool (the last section of the file), if the scenario gives any.
    [ -z "${POOL_EXTRA:-}" ] || printf '%s\n' "$POOL_EXTRA" >>"$dir/php-fpm.conf"
    [ "$(id -u)" != 0 ] || run_as_root=(-R)
    "$FPM_BIN" -F -y "$dir/php-fpm.conf" -c "$dir/php.ini" "${run_as_root[@]}" >"$dir/php-fpm.out" 2>&1 &
    fpm_pid=$!
    deadline=$((SECONDS + 20))
    until [ -S "$dir/php-fpm.sock" ] &&
        SCRIPT_NAME=/ping SCRIPT_FILENAME=/ping REQUEST_METHOD=GET \
            timeout 5 cgi-fcgi -bind -connect "$dir/php-fpm.sock" 2>/dev/null | grep -q pong; do
        if ! kill -0 "$fpm_pid" 2>/dev/null || ((SECONDS >= deadline)); then
            log "php-fpm did not become ready"; cat "$dir/php-fpm.out" "$dir/php-fpm.log" 2>/dev/null
            return 1
        fi
        sleep 0.05
    done
}

# One FastCGI request; the raw response (headers and body) lands in <respdir>/<n>.
request() { # script sock respdir topic n
    SCRIPT_FILENAME="$1" SCRIPT_NAME="/${1##*/}" REQUEST_METHOD=GET QUERY_STRING="n=$5&topic=$4" \
        timeout 30 cgi-fcgi -bind -connect "$2" >"$3/$5" 2>"$3/$5.err" || echo "exit $?" >>"$3/$5.err"
}
export -f request

# fire <script> <sock> <respdir> <topic> <from> <to>: requests from..to, CONCURRENCY at a time,
# 5 minutes at most (a request left unanswered then counts as failed).
fire() {
    seq "$5" "$6" | timeout 300 xargs -P "$CONCURRENCY" -I{} bash -c 'request "$@"' _ "$1" "$2" "$3" "$4" {} ||
        log "requests $5..$6 did not all finish (xargs: $?)"
}

# sample_conns <file>: established TCP connections to the broker ports, as "pid count" lines,
# for every process that owns one.
sample_conns() {
    ss -Htnp state established "$ss_filter" | { grep -o 'pid=[0-9]*' || true; } | cut -d= -f2 | sort | uniq -c |
        awk '{print $2, $1}' >"$1"
}

show_log() { # dir
    echo "---- php-fpm log ($1/php-fpm.log) ----"; tail -n 200 "$1/php-fpm.log" 2>/dev/null || true
    echo "---- end of log ----"
}

# run_analysis <mode> <args...>: analyze.php prints its checks and a last "totals P F" line.
run_analysis() {
    local out p f
    out="$("${php_cli[@]}" "$here/cli/analyze.php" "$@")" || true
    grep -v '^totals ' <<<"$out" || true
    read -r _ p f < <(grep '^totals ' <<<"$out" || echo "totals 0 1")
    passed=$((passed + p)); failed=$((failed + f))
    return $((f > 0))
}

topic_name() { echo "kb-fpm-$1-$(date +%s)-$$-$RANDOM"; }

# ============================================================================================
scenario_sync() {
    local dir="$tmp/s1" topic t0 workers master cluster_brokers
    topic="$(topic_name sync)"
    log "scenario 1 (persistence): $REQUESTS sync produces, $WORKERS static workers, topic $topic"
    if ! cluster_brokers="$("${php_cli[@]}" "$here/cli/topic.php" create "$topic" "$PARTITIONS")"; then
        not_ok "scenario 1: create topic $topic"; return
    fi
    topics+=("$topic")
    if ! start_fpm "$dir" 0; then not_ok "scenario 1: php-fpm started"; return; fi
    master=$fpm_pid
    mkdir -p "$dir/resp"
    t0=$SECONDS
    fire "$here/www/produce_sync.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" 1 $((REQUESTS < 100 ? REQUESTS : 100))
    workers="$(ps -o pid= --ppid "$master" | xargs)"
    sample_conns "$dir/conns-100"
    ((REQUESTS <= 100)) || fire "$here/www/produce_sync.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" 101 "$REQUESTS"
    sample_conns "$dir/conns-end"
    local workers_end master_threads
    workers_end="$(ps -o pid= --ppid "$master" | xargs)"
    master_threads="$(awk '/^Threads:/ {print $2}' "/proc/$master/status")"
    log "scenario 1: $REQUESTS requests in $((SECONDS - t0)) s"
    t0=$SECONDS
    if stop_fpm; then ok "scenario 1: php-fpm stopped gracefully on SIGQUIT ($((SECONDS - t0)) s)"
    else not_ok "scenario 1: php-fpm stopped gracefully on SIGQUIT (had to be killed)"; fi
    "${php_cli[@]}" "$here/cli/consume.php" "$topic" "$PARTITIONS" 60 >"$dir/consumed" 2>"$dir/consume.err" ||
        { cat "$dir/consume.err"; }
    run_analysis sync "$dir" "$REQUESTS" "$master" "$workers" "$workers_end" "$WORKERS" "$cluster_brokers" "$master_threads" ||
        show_log "$dir"
}

scenario_recycle() {
    local dir="$tmp/s2" topic t0 master
    topic="$(topic_name async)"
    log "scenario 2 (recycle): $REQUESTS fire-and-forget produces, $WORKERS workers, pm.max_requests=$MAX_REQUESTS, linger.ms=$LINGER_MS, topic $topic"
    if ! "${php_cli[@]}" "$here/cli/topic.php" create "$topic" "$PARTITIONS" >/dev/null; then
        not_ok "scenario 2: create topic $topic"; return
    fi
    topics+=("$topic")
    if ! start_fpm "$dir" "$MAX_REQUESTS"; then not_ok "scenario 2: php-fpm started"; return; fi
    master=$fpm_pid
    mkdir -p "$dir/resp"
    t0=$SECONDS
    fire "$here/www/produce_async.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" 1 "$REQUESTS"
    log "scenario 2: $REQUESTS requests in $((SECONDS - t0)) s; stopping php-fpm with SIGQUIT"
    t0=$SECONDS
    if stop_fpm; then ok "scenario 2: php-fpm stopped gracefully on SIGQUIT ($((SECONDS - t0)) s)"
    else not_ok "scenario 2: php-fpm stopped gracefully on SIGQUIT (had to be killed)"; fi
    "${php_cli[@]}" "$here/cli/consume.php" "$topic" "$PARTITIONS" 60 >"$dir/consumed" 2>"$dir/consume.err" ||
        { cat "$dir/consume.err"; }
    run_analysis async "$dir" "$REQUESTS" "$master" "$MAX_REQUESTS" || show_log "$dir"
}

# scenario_consume <label> <dir> <max_requests>: see the header.
scenario_consume() {
    local label=$1 dir="$tmp/$2" max_requests=$3 topic master cluster_brokers fired=0 have=0 t0
    topic="$(topic_name consume)"
    log "$label (persistent consumers): $CONSUME_MESSAGES messages in $CONSUME_PARTITIONS partitions, $WORKERS workers, pm.max_requests=$max_requests, topic $topic"
    if ! cluster_brokers="$("${php_cli[@]}" "$here/cli/topic.php" create "$topic" "$CONSUME_PARTITIONS")"; then
        not_ok "$label: create topic $topic"; return
    fi
    topics+=("$topic")
    if ! "${php_cli[@]}" "$here/cli/produce.php" "$topic" "$CONSUME_PARTITIONS" "$CONSUME_MESSAGES" >"$dir.produced" 2>&1; then
        not_ok "$label: produce $CONSUME_MESSAGES messages: $(cat "$dir.produced")"; return
    fi
    if ! start_fpm "$dir" "$max_requests"; then not_ok "$label: php-fpm started"; return; fi
    master=$fpm_pid
    mkdir -p "$dir/resp"
    t0=$SECONDS
    while ((have < CONSUME_MESSAGES && fired < CONSUME_REQUEST_CAP)); do
        fire "$here/www/consume.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" $((fired + 1)) $((fired + CONSUME_ROUND))
        fired=$((fired + CONSUME_ROUND))
        # Connections are compared per worker from the end of the first round on (static pool only).
        ((fired > CONSUME_ROUND || max_requests != 0)) || sample_conns "$dir/conns-first"
        have="$("${php_cli[@]}" "$here/cli/analyze.php" progress "$dir" "$fired")"
    done
    ((max_requests != 0)) || sample_conns "$dir/conns-end"
    log "$label: $fired requests in $((SECONDS - t0)) s read $have distinct messages; stopping php-fpm with SIGQUIT"
    t0=$SECONDS
    if stop_fpm; then ok "$label: php-fpm stopped gracefully on SIGQUIT ($((SECONDS - t0)) s, members left their group)"
    else not_ok "$label: php-fpm stopped gracefully on SIGQUIT (had to be killed)"; fi
    run_analysis consume "$dir" "$fired" "$master" "$label" "$CONSUME_MESSAGES" "$cluster_brokers" || show_log "$dir"
}

# scenario_no_code_change: the same unmodified php-rdkafka script (www/rdkafka_seed.php) on a
# pool without and then with `env[KAFKABRIDGE_PERSISTENT] = 1`.
scenario_no_code_change() {
    local label="scenario 5" topic master control=100 workers switch t0 rate_off rate_on prepend
    topic="$(topic_name seed)"
    prepend="php_admin_value[auto_prepend_file] = $root/bindings/php/rdkafka/autoload.php"
    log "$label (no code change): an unmodified php-rdkafka script, $control requests without the switch, then $REQUESTS with env[KAFKABRIDGE_PERSISTENT] = 1, topic $topic"
    if ! "${php_cli[@]}" "$here/cli/topic.php" create "$topic" "$PARTITIONS" >/dev/null; then
        not_ok "$label: create topic $topic"; return
    fi
    topics+=("$topic")
    for switch in off on; do
        local dir="$tmp/s5-$switch" n=$control first=1
        [ "$switch" = off ] || { n=$REQUESTS; first=$((control + 1)); }
        POOL_EXTRA="$prepend"
        [ "$switch" = off ] || POOL_EXTRA+=$'\nenv[KAFKABRIDGE_PERSISTENT] = 1'
        if ! start_fpm "$dir" 0; then not_ok "$label: php-fpm started (switch $switch)"; POOL_EXTRA=""; return; fi
        POOL_EXTRA=""
        master=$fpm_pid
        mkdir -p "$dir/resp"
        t0=$(date +%s%N)
        fire "$here/www/rdkafka_seed.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" "$first" $((first + 100 - 1))
        sample_conns "$dir/conns-100"
        ((n <= 100)) || fire "$here/www/rdkafka_seed.php" "$dir/php-fpm.sock" "$dir/resp" "$topic" $((first + 100)) $((first + n - 1))
        echo $(( n * 1000000000 / ($(date +%s%N) - t0 + 1) )) >"$dir/rate"
        sample_conns "$dir/conns-end"
        workers="$(ps -o pid= --ppid "$master" | xargs)"
        echo "$workers" >"$dir/workers"
        if ! stop_fpm; then not_ok "$label: php-fpm stopped gracefully on SIGQUIT (switch $switch)"; fi
    done
    "${php_cli[@]}" "$here/cli/consume.php" "$topic" "$PARTITIONS" 60 >"$tmp/s5-on/consumed" 2>"$tmp/s5-on/consume.err" ||
        cat "$tmp/s5-on/consume.err"
    run_analysis seed "$tmp/s5" "$control" "$REQUESTS" || { show_log "$tmp/s5-off"; show_log "$tmp/s5-on"; }
}

for s in ${FPM_TEST_SCENARIOS:-1 2 3 4 5}; do
    case $s in
        1) scenario_sync ;;
        2) scenario_recycle ;;
        3) scenario_consume "scenario 3" s3 0 ;;
        4) scenario_consume "scenario 4" s4 "$CONSUME_MAX_REQUESTS" ;;
        5) scenario_no_code_change ;;
        *) not_ok "unknown scenario $s in FPM_TEST_SCENARIOS" ;;
    esac
done
log "total runtime $((SECONDS - started)) s"
summarized=1
echo "fpm: $passed passed, $failed failed"
((failed == 0))
