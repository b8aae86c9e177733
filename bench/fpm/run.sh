#!/usr/bin/env bash
# The PHP-FPM request benchmark: nginx on 127.0.0.1 in front of a php-fpm8.2 pool (pm=static,
# 4 workers, opcache, FFI preloaded as bindings/php/README.md recommends), loaded by wrk. Every
# request produces one 100-byte message through the KafkaBridge\ API (www/produce.php):
#
#   new-client-sync    a private producer per request, produceSync, close (php-rdkafka style)
#   persistent-sync    a session on the worker's persistent producer, produceSync
#   persistent-async   a session on the worker's persistent producer, produce (fire and forget)
#
# and, on request (BENCH_FPM_VARIANTS; run.py's rdkafka-fpm section), the same php-rdkafka code
# (www/rdkafka.php: new RdKafka\Producer, produce, flush, tear down) on two pools:
#
#   rdkafka-ext        the php-rdkafka extension (BENCH_RDKAFKA_EXT=/path/to/rdkafka.so)
#   rdkafka-drop-in    kafkabridge's RdKafka\ drop-in (FFI preload as above)
#   rdkafka-drop-in-auto  the same with env[KAFKABRIDGE_PERSISTENT] = 1: the unchanged code's
#                      producer is a session of the worker's persistent client
#
# and, consuming (www/consume.php: "give me up to 10 messages, then commit", from a topic filled
# beforehand with BENCH_FPM_CONSUME_MESSAGES messages in 8 partitions):
#
#   new-consumer       a private consumer per request: join the group, read, commit, leave
#   persistent-consume a session on the worker's persistent group member
#
# and, for hosts that cannot load the library (www/phpredis.php):
#
#   phpredis-proxy     phpredis (pconnect) XADD to kafkabridge-proxy, which replies once Kafka
#                      acknowledged the message (one proxy per protocol, started here)
#
# each over PLAINTEXT (KAFKA_BROKERS) and SASL_SSL with SCRAM-SHA-256 (KAFKA_SASL_SSL_BROKERS,
# KAFKA_CA_LOCATION; user kb-test). One JSON line per run on stdout, diagnostics on stderr; see
# README.md for what is measured and how.
#
# Usage: KAFKA_BROKERS=... KAFKA_SASL_SSL_BROKERS=... KAFKA_CA_LOCATION=... bench/fpm/run.sh
# Knobs: BENCH_FPM_SECONDS (10), BENCH_FPM_VARIANTS (comma list of protocol/variant, e.g.
#        plaintext/persistent-sync; default the six KafkaBridge\ runs), BENCH_FPM_KEEP=1 keeps the
#        temp dir, BENCH_RDKAFKA_EXT (rdkafka.so, for the rdkafka-ext runs), BENCH_RDKAFKA_CONF
#        (extra "key=value,..." producer settings of www/rdkafka.php, default none),
#        BENCH_FPM_CONSUME_MESSAGES (600000: enough that persistent-consume never runs dry).
# Exit status: non-zero if any run failed (a failed run prints no JSON line).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
SECS="${BENCH_FPM_SECONDS:-10}"
WORKERS=4
WRK_THREADS=2
WRK_CONNECTIONS=8
WARMUP_SECS=3          # long enough for a new SASL_SSL client, whose first delivery also waits for its producer id
WARMUP_ROUNDS=5        # at most this many warm-ups until every worker holds its broker connection
SASL_USER=kb-test
SASL_PASSWORD=kb-test-secret
FPM_BIN=/usr/sbin/php-fpm8.2
ALL_RUNS="plaintext/new-client-sync,plaintext/persistent-sync,plaintext/persistent-async,sasl_ssl/new-client-sync,sasl_ssl/persistent-sync,sasl_ssl/persistent-async"
ALL_RUNS+=",plaintext/new-consumer,plaintext/persistent-consume,sasl_ssl/new-consumer,sasl_ssl/persistent-consume"
ALL_RUNS+=",plaintext/phpredis-proxy,sasl_ssl/phpredis-proxy"
CONSUME_MESSAGES="${BENCH_FPM_CONSUME_MESSAGES:-600000}"
CONSUME_PARTITIONS=8
RUNS="${BENCH_FPM_VARIANTS:-$ALL_RUNS}"
RDKAFKA_EXT="${BENCH_RDKAFKA_EXT:-}"
RDKAFKA_CONF="${BENCH_RDKAFKA_CONF:-}"

log() { echo "bench-fpm: $*" >&2; }
die() { log "$*"; exit 1; }

# --- checks -----------------------------------------------------------------------------------
[[ "$SECS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_FPM_SECONDS must be a positive integer (got '$SECS')"
[[ "$CONSUME_MESSAGES" =~ ^[1-9][0-9]*$ ]] || die "BENCH_FPM_CONSUME_MESSAGES must be a positive integer (got '$CONSUME_MESSAGES')"
[ -n "${KAFKA_BROKERS:-}" ] || die "KAFKA_BROKERS is not set (harness/with-broker.sh exports it)"
IFS=, read -ra runs <<<"$RUNS"
for r in "${runs[@]}"; do
    case "$r" in
        plaintext/new-client-sync | plaintext/persistent-sync | plaintext/persistent-async) ;;
        plaintext/rdkafka-ext | plaintext/rdkafka-drop-in | plaintext/rdkafka-drop-in-auto) ;;
        plaintext/new-consumer | plaintext/persistent-consume | plaintext/phpredis-proxy) ;;
        sasl_ssl/new-client-sync | sasl_ssl/persistent-sync | sasl_ssl/persistent-async | \
            sasl_ssl/new-consumer | sasl_ssl/persistent-consume | sasl_ssl/rdkafka-drop-in-auto | sasl_ssl/phpredis-proxy | \
            sasl_ssl/rdkafka-ext | sasl_ssl/rdkafka-drop-in)
            [ -n "${KAFKA_SASL_SSL_BROKERS:-}" ] && [ -n "${KAFKA_CA_LOCATION:-}" ] ||
                die "$r needs KAFKA_SASL_SSL_BROKERS and KAFKA_CA_LOCATION (harness/with-broker.sh exports them)"
            [ -r "$KAFKA_CA_LOCATION" ] || die "KAFKA_CA_LOCATION=$KAFKA_CA_LOCATION is not readable"
            ;;
        *) die "unknown run '$r' in BENCH_FPM_VARIANTS (known: $ALL_RUNS, and plaintext/ or sasl_ssl/ rdkafka-ext, rdkafka-drop-in, rdkafka-drop-in-auto)" ;;
    esac
    if [ "${r#*/}" = rdkafka-ext ] && ! [ -r "$RDKAFKA_EXT" ]; then
        die "$r needs BENCH_RDKAFKA_EXT=/path/to/rdkafka.so (harness/php-rdkafka/build.sh prints it)"
    fi
done
# (filled into php-fpm.conf by sed, as a quoted value)
[[ "$RDKAFKA_CONF" != *[\|\&\"\\]* ]] || die "BENCH_RDKAFKA_CONF must not contain | & \" or \\"
missing=()
[ -x "$FPM_BIN" ] || missing+=("php8.2-fpm ($FPM_BIN)")
for tool in nginx:nginx-light wrk:wrk php:php8.2-cli curl:curl ss:iproute2; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:} (${tool%%:*})")
done
((${#missing[@]} == 0)) || die "missing: ${missing[*]}; install them with apt-get"
preload_h="$root/target/release/kafkabridge_preload.h"
lib="$root/target/release/libkafkabridge.so"
[ -f "$lib" ] && [ -f "$preload_h" ] || die "$lib or $preload_h missing: run make build"
grep -q "FFI_LIB \"$lib\"" "$preload_h" || die "$preload_h does not point at $lib: run make build"

# Counting the workers' new broker connections exactly needs perf and the kernel tracepoint
# sock:inet_sock_set_state (README.md); without them the machine-wide TCP PassiveOpens count is
# used instead.
conn_method=passive-opens
if command -v perf >/dev/null &&
    perf stat -x, -o /dev/null -e sock:inet_sock_set_state --filter 'newstate == 2' -- true 2>/dev/null; then
    conn_method=perf-tracepoint
else
    log "perf or the sock:inet_sock_set_state tracepoint is unavailable; counting connections from /proc/net/snmp"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/kb-bench-fpm.XXXXXX")"
nginx_pid=""
fpm_pid=""
topics=()
topic_cli=(env KAFKA_BROKERS="$KAFKA_BROKERS" php "$here/cli/topic.php")

# Stops the php-fpm this script started: SIGQUIT (graceful: workers exit normally, which runs
# kafkabridge's exit flush), at most 45 s, then SIGKILL. Returns 1 if it had to be killed.
stop_fpm() {
    [ -n "$fpm_pid" ] || return 0
    local pid=$fpm_pid deadline=$((SECONDS + 45)) workers rc=0
    workers="$(ps -o pid= --ppid "$pid" 2>/dev/null || true)"
    kill -QUIT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "php-fpm $pid did not stop on SIGQUIT within 45 s; killing it"
        rc=1
        kill -KILL "$pid" 2>/dev/null || true
        for w in $workers; do kill -KILL "$w" 2>/dev/null || true; done
    fi
    wait "$pid" 2>/dev/null || true
    fpm_pid=""
    return "$rc"
}

stop_nginx() {
    [ -n "$nginx_pid" ] || return 0
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "$nginx_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
}

cleanup() {
    local rc=$?
    stop_fpm || true
    stop_nginx
    [ -z "$proxy_pid" ] || { kill -TERM "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null || true; }
    for t in "${topics[@]}"; do timeout 30 "${topic_cli[@]}" delete "$t" >/dev/null 2>&1 || true; done
    if [ "${BENCH_FPM_KEEP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- nginx (one for all runs) -----------------------------------------------------------------
# A port the kernel says is free right now (nginx fails loudly below if it is taken meanwhile).
port="$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];')"
sed -e "s|@TMP@|$tmp|g; s|@PORT@|$port|g; s|@WWW@|$here/www|g; s|@USER@|$(id -un)|g" \
    "$here/conf/nginx.conf.in" >"$tmp/nginx.conf"
nginx -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
base="http://127.0.0.1:$port"
deadline=$((SECONDS + 10))
until curl -fsS -o /dev/null "$base/nginx_status" 2>/dev/null; do
    if ! kill -0 "$nginx_pid" 2>/dev/null || ((SECONDS >= deadline)); then
        cat "$tmp/nginx.out" "$tmp/nginx-error.log" >&2 2>/dev/null || true
        die "nginx did not start on 127.0.0.1:$port"
    fi
    sleep 0.05
done
log "nginx on $base (pid $nginx_pid); $WORKERS php-fpm workers; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${SECS}s; connections counted by $conn_method"

# --- kafkabridge-proxy, for the phpredis-proxy runs (one per protocol, started on first use) ---
proxy_port=""
proxy_pid=""
start_proxy() { # brokers protocol
    local port args=(--kafka "bootstrap.servers=$1" --kafka acks=all) deadline
    [ -x "$root/target/release/kafkabridge-proxy" ] || { log "target/release/kafkabridge-proxy missing: run make build"; return 1; }
    [ -n "$proxy_pid" ] && kill -TERM "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null || true
    if [ "$2" = sasl_ssl ]; then
        args+=(--kafka security.protocol=SASL_SSL --kafka sasl.mechanism=SCRAM-SHA-256 --kafka "sasl.username=$SASL_USER"
            --kafka "sasl.password=$SASL_PASSWORD" --kafka "ssl.ca.location=$KAFKA_CA_LOCATION")
    fi
    port="$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];')"
    "$root/target/release/kafkabridge-proxy" --listen "127.0.0.1:$port" "${args[@]}" >"$tmp/proxy-$2.log" 2>&1 &
    proxy_pid=$!
    deadline=$((SECONDS + 20))
    until php -r "exit(@fsockopen('127.0.0.1', $port) ? 0 : 1);" 2>/dev/null; do
        kill -0 "$proxy_pid" 2>/dev/null && ((SECONDS < deadline)) || { log "the proxy did not start: $(tail -5 "$tmp/proxy-$2.log")"; return 1; }
        sleep 0.05
    done
    proxy_port=$port
}

# --- helpers for one run ----------------------------------------------------------------------
# start_fpm <dir> <brokers> <protocol> <variant>: renders the pool config, starts php-fpm in the
# foreground (a child of this script) and waits, bounded, until its socket and workers exist.
# The rdkafka-ext pool gets the php-rdkafka extension's php.ini, every other pool kafkabridge's.
start_fpm() {
    local dir=$1 brokers=$2 protocol=$3 variant=$4 root_flag=() deadline conf_sed persistent_sed
    mkdir -p "$dir"
    # php-fpm refuses an empty env[] value: without BENCH_RDKAFKA_CONF its line goes.
    conf_sed="s|@RDKAFKA_CONF@|$RDKAFKA_CONF|g"
    [ -n "$RDKAFKA_CONF" ] || conf_sed='/@RDKAFKA_CONF@/d'
    persistent_sed='/@PERSISTENT@/d'
    [ "$variant" != rdkafka-drop-in-auto ] || persistent_sed='s|@PERSISTENT@|1|g'
    if [ "$variant" = rdkafka-ext ]; then
        sed -e "s|@RDKAFKA_EXT@|$RDKAFKA_EXT|g" "$here/conf/php-rdkafka-ext.ini.in" >"$dir/php.ini"
    else
        sed -e "s|@PRELOAD_H@|$preload_h|g; s|@PRELOAD_PHP@|$root/bindings/php/preload.php|g; s|@USER@|$(id -un)|g" \
            "$here/conf/php.ini.in" >"$dir/php.ini"
    fi
    sed -e "s|@TMP@|$tmp|g; s|@WORKERS@|$WORKERS|g; s|@BROKERS@|$brokers|g; s|@PROTOCOL@|$protocol|g; s|@PROXY_PORT@|${proxy_port:-0}|g" \
        -e "s|@CA_LOCATION@|${KAFKA_CA_LOCATION:-}|g; s|@SASL_USER@|$SASL_USER|g; s|@SASL_PASSWORD@|$SASL_PASSWORD|g" \
        -e "$conf_sed" -e "$persistent_sed" \
        "$here/conf/php-fpm.conf.in" >"$dir/php-fpm.conf"
    [ "$(id -u)" != 0 ] || root_flag=(-R)
    rm -f "$tmp/php-fpm.sock" "$tmp/php-fpm.log"
    "$FPM_BIN" -F -y "$dir/php-fpm.conf" -c "$dir/php.ini" "${root_flag[@]}" >"$dir/php-fpm.out" 2>&1 &
    fpm_pid=$!
    deadline=$((SECONDS + 20))
    until [ -S "$tmp/php-fpm.sock" ] && [ "$(ps -o pid= --ppid "$fpm_pid" | wc -l)" = "$WORKERS" ]; do
        if ! kill -0 "$fpm_pid" 2>/dev/null || ((SECONDS >= deadline)); then
            cat "$dir/php-fpm.out" "$tmp/php-fpm.log" >&2 2>/dev/null || true
            log "php-fpm did not start"
            return 1
        fi
        sleep 0.05
    done
}

# wrk_parse <file> <key>: one figure from wrk's report (latencies converted to ms).
wrk_parse() {
    local f=$1 key=$2
    case "$key" in
        requests) awk '/ requests in / {print $1}' "$f" ;;
        rps) awk '/^Requests\/sec:/ {print $2}' "$f" ;;
        non_2xx) awk '/Non-2xx or 3xx responses:/ {n = $NF} END {print n + 0}' "$f" ;;
        socket_errors) awk '/Socket errors:/ {gsub(",", ""); n = $4 + $6 + $8 + $10} END {print n + 0}' "$f" ;;
        p50 | p75 | p90 | p99)
            awk -v pct="${key#p}%" '
                /Latency Distribution/ {in_dist = 1; next}
                in_dist && $1 == pct {
                    v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
                    f = unit == "us" ? 0.001 : unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : -1
                    if (f < 0) exit 1
                    printf "%.3f\n", v * f; found = 1; exit
                }
                END {if (!found) exit 1}' "$f" ;;
    esac
}

passive_opens() { awk '/^Tcp:/ {if (!h) {for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i; h = 1} else print $c}' /proc/net/snmp; }
nginx_accepts() { curl -fsS "$base/nginx_status" | awk 'NR == 3 {print $1}'; }

# workers_connected <port> <pids...>: true if every worker holds an established connection to
# the broker port (its persistent client exists and is connected).
workers_connected() {
    local bport=$1 pid owners
    shift
    owners="$(ss -Htnp state established "( dport = :$bport )" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u)"
    for pid in "$@"; do grep -qx "$pid" <<<"$owners" || return 1; done
}

# threads_of <pids...>: the thread counts of the processes, space-separated.
threads_of() {
    local pid out=()
    for pid in "$@"; do out+=("$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null)"); done
    echo "${out[*]}"
}

# mem_mib <pids...>: mean VmRSS and mean Pss of the processes, in MiB ("rss pss").
mem_mib() {
    local pid rss=0 pss=0 r p
    for pid in "$@"; do
        r="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
        p="$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")"
        rss=$((rss + r)); pss=$((pss + p))
    done
    awk -v r="$rss" -v p="$pss" -v n="$#" 'BEGIN {printf "%.1f %.1f\n", r / n / 1024, p / n / 1024}'
}

# run_one <protocol> <variant>: one measured run; prints its JSON line, or returns 1.
run_one() {
    local protocol=$1 variant=$2 brokers bport dir topic warm workers wpids idle_threads wreq i rc=0
    if [ "$protocol" = plaintext ]; then brokers=$KAFKA_BROKERS; else brokers=$KAFKA_SASL_SSL_BROKERS; fi
    bport="${brokers##*:}"
    [[ "$brokers" != *,* ]] || { log "$protocol/$variant: name one broker, got $brokers"; return 1; }
    dir="$tmp/$protocol-$variant"
    mkdir -p "$dir"
    # A fresh topic per run; a producing run's warm-up writes to its own topic so the run's topic
    # holds only what the measured requests produced. A consuming run reads one filled topic in
    # one group (a persistent member keeps its group), warm-up included: what the measured
    # requests read is the growth of the group's committed offsets.
    local script=produce.php new_client=0 consuming=0
    [[ "$variant" != rdkafka-* ]] || script=rdkafka.php
    [[ "$variant" != *consume* ]] || { script=consume.php; consuming=1; }
    if [ "$variant" = phpredis-proxy ]; then
        script=phpredis.php
        start_proxy "$brokers" "$protocol" || return 1
    fi
    [[ "$variant" != new-client-sync && "$variant" != rdkafka-ext && "$variant" != rdkafka-drop-in && "$variant" != new-consumer ]] || new_client=1
    topic="bench-fpm-$protocol-$variant-$$-$RANDOM"
    warm="$topic-warmup"
    if ((consuming)); then
        warm=$topic
        topics+=("$topic")
        timeout 60 "${topic_cli[@]}" create "$topic" "$CONSUME_PARTITIONS" &&
            timeout 300 "${topic_cli[@]}" fill "$topic" "$CONSUME_MESSAGES" ||
            { log "$protocol/$variant: cannot create and fill topic $topic"; return 1; }
    else
        for t in "$topic" "$warm"; do
            topics+=("$t")
            timeout 60 "${topic_cli[@]}" create "$t" 1 || { log "$protocol/$variant: cannot create topic $t"; return 1; }
        done
    fi
    start_fpm "$dir" "$brokers" "$protocol" "$variant" || return 1
    workers="$(ps -o pid= --ppid "$fpm_pid" | xargs)"
    wpids="${workers// /,}"
    # shellcheck disable=SC2086  # one argument per worker
    idle_threads="$(threads_of $workers)"

    # Warm-up: opcache, and for the persistent variants every worker's client connected.
    for ((i = 1; i <= WARMUP_ROUNDS; i++)); do
        wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WARMUP_SECS}s" --timeout 30s \
            "$base/$script?variant=$variant&topic=$warm" >"$dir/warmup.txt" 2>&1 || true
        wreq="$(wrk_parse "$dir/warmup.txt" requests)"
        if ! [[ "$wreq" =~ ^[0-9]+$ ]] || { ((wreq == 0)) && ((i == WARMUP_ROUNDS)); } ||
            [ "$(wrk_parse "$dir/warmup.txt" non_2xx)" != 0 ] || [ "$(wrk_parse "$dir/warmup.txt" socket_errors)" != 0 ]; then
            log "$protocol/$variant: warm-up failed:"; cat "$dir/warmup.txt" >&2; tail -n 20 "$tmp/php-fpm.log" >&2 || true
            stop_fpm || true
            return 1
        fi
        # A worker's first request (a TLS and SASL handshake, an idempotent producer's id) can
        # outlast a short round, which then completes nothing: the clients it opened stay, so
        # the next round goes on from there.
        ((wreq == 0)) && continue
        [[ "$variant" != persistent-* && "$variant" != rdkafka-drop-in-auto ]] && break
        # shellcheck disable=SC2086  # one argument per worker
        workers_connected "$bport" $workers && break
        if ((i == WARMUP_ROUNDS)); then
            log "$protocol/$variant: not every worker connected to the broker after $i warm-ups"
            stop_fpm || true
            return 1
        fi
    done

    # The measured run. perf counts, in the workers and every thread they start, the TCP
    # connections opened to the broker port for exactly as long as wrk runs. perf attaches to
    # the threads that exist when it starts; a thread that ends meanwhile makes it fail, so it
    # starts once the workers are idle: new-client workers back at their thread count from
    # before the first request (the warm-up's last private clients destroyed), and it is retried.
    local url="$base/$script?variant=$variant&topic=$topic" a1 a2 p1 p2 perf_cmd=() attempt deadline read_before=0
    if ((consuming)); then
        read_before="$(timeout 60 "${topic_cli[@]}" committed "$topic" "bench-$topic")" ||
            { log "$protocol/$variant: cannot read the group's committed offsets"; stop_fpm || true; return 1; }
    fi
    if [ "$conn_method" = perf-tracepoint ]; then
        perf_cmd=(perf stat -x, -o "$dir/perf.txt" -e sock:inet_sock_set_state
            --filter "newstate == 2 && dport == $bport" -p "$wpids" --)
    fi
    for ((attempt = 1; attempt <= 3; attempt++)); do
        if ((new_client)); then
            deadline=$((SECONDS + 15))
            # shellcheck disable=SC2086
            while [ "$(threads_of $workers)" != "$idle_threads" ] && ((SECONDS < deadline)); do sleep 0.05; done
        fi
        rm -f "$dir/perf.txt"
        rc=0
        a1="$(nginx_accepts)"
        p1="$(passive_opens)"
        "${perf_cmd[@]}" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${SECS}s" --latency --timeout 30s "$url" \
            >"$dir/wrk.txt" 2>&1 || rc=$?
        p2="$(passive_opens)"
        a2="$(nginx_accepts)"
        # wrk ran (its report is there) or it is not perf's doing: no retry.
        if grep -q ' requests in ' "$dir/wrk.txt" || ((${#perf_cmd[@]} == 0)); then break; fi
        log "$protocol/$variant: perf could not attach to the workers (attempt $attempt):"; cat "$dir/wrk.txt" >&2
    done
    log "$protocol/$variant:"; sed 's/^/    /' "$dir/wrk.txt" >&2
    ((rc == 0)) || { log "$protocol/$variant: wrk failed (exit $rc)"; stop_fpm || true; return 1; }
    [[ "$a1$a2$p1$p2" =~ ^[0-9]+$ && -n "$a1" && -n "$a2" && -n "$p1" && -n "$p2" ]] ||
        { log "$protocol/$variant: cannot read the connection counters (nginx $a1/$a2, snmp $p1/$p2)"; stop_fpm || true; return 1; }

    local now_workers mem
    now_workers="$(ps -o pid= --ppid "$fpm_pid" | xargs)"
    # shellcheck disable=SC2086
    mem="$(mem_mib $workers)"
    [[ "$mem" =~ ^[0-9.]+\ [0-9.]+$ ]] || { log "$protocol/$variant: cannot read the workers' memory"; rc=1; }
    [ "$now_workers" = "$workers" ] || { log "$protocol/$variant: workers changed during the run ($workers -> $now_workers)"; rc=1; }
    stop_fpm || { log "$protocol/$variant: php-fpm had to be killed"; rc=1; }
    # Failures the workers could only log (failed deliveries after a session ended, client errors).
    if grep -E 'kafkabridge:|bench-fpm |PHP (Fatal|Warning)' "$tmp/php-fpm.log" >"$dir/errors.txt"; then
        log "$protocol/$variant: errors in the php-fpm log:"; head -n 20 "$dir/errors.txt" >&2
        rc=1
    fi

    local requests rps non2xx sockerr p50 p75 p90 p99 ok2xx in_topic conns conns_pk po_pk
    requests="$(wrk_parse "$dir/wrk.txt" requests)"
    rps="$(wrk_parse "$dir/wrk.txt" rps)"
    non2xx="$(wrk_parse "$dir/wrk.txt" non_2xx)"
    sockerr="$(wrk_parse "$dir/wrk.txt" socket_errors)"
    p50="$(wrk_parse "$dir/wrk.txt" p50)" && p75="$(wrk_parse "$dir/wrk.txt" p75)" &&
        p90="$(wrk_parse "$dir/wrk.txt" p90)" && p99="$(wrk_parse "$dir/wrk.txt" p99)" ||
        { log "$protocol/$variant: no latency distribution in wrk's report"; return 1; }
    [[ "$requests" =~ ^[0-9]+$ ]] && ((requests > 0)) || { log "$protocol/$variant: no requests completed"; return 1; }
    ((non2xx == 0)) || { log "$protocol/$variant: $non2xx non-2xx responses"; tail -n 20 "$tmp/php-fpm.log" >&2 || true; rc=1; }
    ((sockerr == 0)) || { log "$protocol/$variant: $sockerr socket errors (connect/read/write/timeout)"; rc=1; }
    ok2xx=$((requests - non2xx))
    in_topic="$(timeout 60 "${topic_cli[@]}" count "$topic")" || { log "$protocol/$variant: cannot count topic $topic"; return 1; }
    local read=0
    if ((consuming)); then
        # Every request commits what it read before answering: the group's offsets (read after
        # php-fpm stopped) grew by what the measured requests read.
        read="$(timeout 60 "${topic_cli[@]}" committed "$topic" "bench-$topic")" ||
            { log "$protocol/$variant: cannot read the group's committed offsets"; return 1; }
        read=$((read - read_before))
        ((in_topic - read_before - read >= 1000)) ||
            { log "$protocol/$variant: the topic ran dry ($read of $in_topic read): raise BENCH_FPM_CONSUME_MESSAGES"; rc=1; }
    else
        ((in_topic >= ok2xx)) || { log "$protocol/$variant: LOST MESSAGES: $ok2xx 2xx responses, $in_topic messages in $topic"; rc=1; }
    fi

    # Connections: wrk's own (nginx accepts minus our second status request) are subtracted from
    # the machine-wide passive opens; perf's count is the workers' own and needs no correction.
    local wrk_conns=$((a2 - a1 - 1)) passive
    passive=$((p2 - p1 - wrk_conns))
    po_pk="$(awk -v c="$passive" -v n="$requests" 'BEGIN {printf "%.2f", c * 1000 / n}')"
    if [ "$conn_method" = perf-tracepoint ]; then
        conns="$(awk -F, '/sock:inet_sock_set_state/ {print $1}' "$dir/perf.txt")"
        [[ "$conns" =~ ^[0-9]+$ ]] || { log "$protocol/$variant: perf counted nothing:"; cat "$dir/perf.txt" >&2; return 1; }
    else
        conns=$passive
    fi
    conns_pk="$(awk -v c="$conns" -v n="$requests" 'BEGIN {printf "%.2f", c * 1000 / n}')"
    ((rc == 0)) || return 1
    # The php-rdkafka runs are rows of their own (impl rdkafka-ext or rdkafka-drop-in, op rdkafka-fpm).
    local impl=php-fpm op=fpm
    [[ "$variant" != rdkafka-* ]] || { impl=$variant; op=rdkafka-fpm; }
    ((!consuming)) || op=fpm-consume
    printf '{"impl":"%s","op":"%s","protocol":"%s","variant":"%s","seconds":%s,"requests":%s,"rps":%s,' \
        "$impl" "$op" "$protocol" "$variant" "$SECS" "$requests" "$rps"
    printf '"p50_ms":%s,"p75_ms":%s,"p90_ms":%s,"p99_ms":%s,"non_2xx":%s,"socket_errors":%s,' \
        "$p50" "$p75" "$p90" "$p99" "$non2xx" "$sockerr"
    printf '"new_connections":%s,"new_connections_per_1000":%s,"connections_method":"%s","passive_opens_per_1000":%s,' \
        "$conns" "$conns_pk" "$conn_method" "$po_pk"
    printf '"rss_mib":%s,"pss_mib":%s,"responses_2xx":%s,"messages_in_topic":%s,"messages_read":%s,"workers":%s,"wrk_connections":%s}\n' \
        "${mem% *}" "${mem#* }" "$ok2xx" "$in_topic" "$read" "$WORKERS" "$wrk_conns"
}

failed=0
for r in "${runs[@]}"; do
    # (errexit does not apply inside run_one: every step there checks its own result)
    run_one "${r%%/*}" "${r#*/}" || { failed=$((failed + 1)); log "${r}: FAILED"; }
    stop_fpm || true
done
((failed == 0)) || die "$failed of ${#runs[@]} runs failed"
