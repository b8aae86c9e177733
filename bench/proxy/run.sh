#!/usr/bin/env bash
# The RESP proxy benchmark: redis-benchmark driving XADD, side by side in one run, against
#   redis-server   Debian's redis-server on 127.0.0.1 (the anchor: Redis's own XADD, in memory)
#   proxy-queue    kafkabridge-proxy --xadd-mode queue (fire and forget: replied once queued)
#   proxy-wait     kafkabridge-proxy (the default: replied once Kafka acknowledged the message)
# each without and with pipelining, then the proxy holding 5,000 idle client connections (its
# RSS). One JSON line per run on stdout, diagnostics on stderr. Needs redis-server and
# redis-benchmark (Debian redis-server, redis-tools), target/release/kafkabridge-proxy and
# KAFKA_BROKERS.
#
# Each run goes to a topic of its own, made by one XADD first (so that no run measures the
# topic's creation).
#
# Knobs: BENCH_PROXY_REQUESTS (200000: XADDs per run without pipelining, 4x that with: a
#        pipelined run is that much faster and needs as long to be measured), BENCH_PROXY_CLIENTS (50),
#        BENCH_PROXY_CONNECTIONS (5000), BENCH_PROXY_KEEP=1 keeps the temp dir.
# Exit status: non-zero if any run failed (a failed run prints no JSON line).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
REQUESTS="${BENCH_PROXY_REQUESTS:-200000}"
CLIENTS="${BENCH_PROXY_CLIENTS:-50}"
CONNECTIONS="${BENCH_PROXY_CONNECTIONS:-5000}"
PAYLOAD="$(head -c 100 /dev/zero | tr '\0' m)"
proxy_bin="$root/target/release/kafkabridge-proxy"

log() { echo "bench-proxy: $*" >&2; }
die() { log "$*"; exit 1; }
[ -n "${KAFKA_BROKERS:-}" ] || die "KAFKA_BROKERS is not set"
for tool in redis-server redis-benchmark python3; do command -v "$tool" >/dev/null || die "missing $tool (apt-get install redis-server redis-tools)"; done
[ -x "$proxy_bin" ] || die "$proxy_bin missing: run make build"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/kb-bench-proxy.XXXXXX")"
pids=()
cleanup() {
    local rc=$?
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${BENCH_PROXY_KEEP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_port <port> <pid>: until something accepts on the port (bounded), or the process died.
wait_port() {
    local deadline=$((SECONDS + 20))
    until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), timeout=1)" 2>/dev/null; do
        kill -0 "$2" 2>/dev/null && ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" "${pids[-1]}" || die "redis-server did not start: $(tail -5 "$tmp/redis.log")"

# start_proxy <name> <extra args...>: a proxy on a free port; sets started_port and started_pid
# (in this shell, so that cleanup stops it).
start_proxy() {
    local name=$1
    shift
    started_port="$(free_port)"
    "$proxy_bin" --listen "127.0.0.1:$started_port" --kafka "bootstrap.servers=$KAFKA_BROKERS" --maxclients $((CONNECTIONS + 100)) "$@" \
        >"$tmp/$name.log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    wait_port "$started_port" "$started_pid" || die "$name did not start: $(tail -5 "$tmp/$name.log")"
}
start_proxy proxy-queue --xadd-mode queue
queue_port=$started_port queue_pid=$started_pid
start_proxy proxy-wait
wait_port_=$started_port
log "redis-server :$redis_port, proxy-queue :$queue_port, proxy-wait :$wait_port_; $REQUESTS XADDs per run, $CLIENTS clients"

# run <target> <port> <pipeline> <topic>: one redis-benchmark run, its JSON line.
run() {
    local target=$1 port=$2 pipeline=$3 topic=$4 csv rps p50 p99 held="" requests=$REQUESTS
    ((pipeline == 1)) || requests=$((REQUESTS * 4))
    # The topic first, and its leader known: one XADD, then its XLEN (the cluster's) until it shows.
    redis-cli -p "$port" XADD "$topic" '*' value warm-up >/dev/null
    local deadline=$((SECONDS + 30))
    until [ "$(redis-cli -p "$port" XLEN "$topic")" = 1 ] || ((SECONDS >= deadline)); do sleep 0.1; done
    csv="$(redis-benchmark -p "$port" -n "$requests" -c "$CLIENTS" -P "$pipeline" --csv XADD "$topic" '*' value "$PAYLOAD" 2>"$tmp/rb.err")" ||
        { log "$target -P $pipeline: redis-benchmark failed: $(cat "$tmp/rb.err")"; return 1; }
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    read -r rps p50 p99 < <(awk -F, 'NR == 2 {gsub(/"/, ""); print $(NF - 6), $(NF - 3), $(NF - 1)}' <<<"$csv")
    [[ "$rps" =~ ^[0-9.]+$ ]] || { log "$target -P $pipeline: no figures in: $csv"; return 1; }
    if [ "$target" = redis-server ]; then
        held="$(redis-cli -p "$port" XLEN "$topic")"
    else
        # What Kafka holds (the queued messages flushed first: the proxy's XLEN asks the cluster).
        deadline=$((SECONDS + 60))
        held="$(redis-cli -p "$port" XLEN "$topic")"
        while [[ "$held" =~ ^[0-9]+$ ]] && ((held <= requests && SECONDS < deadline)); do
            sleep 0.2
            held="$(redis-cli -p "$port" XLEN "$topic")"
        done
    fi
    [[ "$held" =~ ^[0-9]+$ ]] || { log "$target -P $pipeline: XLEN $topic answered: $held"; return 1; }
    held=$((held - 1)) # the warm-up entry
    ((held >= requests)) || { log "$target -P $pipeline: LOST: $requests XADDs answered, $held in $topic"; return 1; }
    printf '{"impl":"proxy","op":"proxy-xadd","target":"%s","pipeline":%s,"clients":%s,"requests":%s,"rps":%s,"p50_ms":%s,"p99_ms":%s,"held":%s}\n' \
        "$target" "$pipeline" "$CLIENTS" "$requests" "$rps" "$p50" "$p99" "$held"
}

failed=0
for pipeline in 1 16; do
    for target in redis-server proxy-queue proxy-wait; do
        case $target in
            redis-server) port=$redis_port ;;
            proxy-queue) port=$queue_port ;;
            proxy-wait) port=$wait_port_ ;;
        esac
        run "$target" "$port" "$pipeline" "bench-proxy-$target-p$pipeline-$$-$RANDOM" || failed=$((failed + 1))
    done
done

# Connections held: RSS of the proxy before and with $CONNECTIONS idle clients, each answered once.
python3 - "$queue_port" "$queue_pid" "$CONNECTIONS" <<'PY' || failed=$((failed + 1))
import json, resource, selectors, socket, sys
port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 500)), hard))
rss = lambda: next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
before = rss()
socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]
sel = selectors.DefaultSelector()
for s in socks:
    s.sendall(b"PING\r\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
left = n
while left:
    events = sel.select(timeout=30)
    if not events:
        sys.exit(f"bench-proxy: only {n - left} of {n} connections answered")
    for key, _ in events:
        key.fileobj.recv(64)
        sel.unregister(key.fileobj)
        left -= 1
during = rss()
print(json.dumps({"impl": "proxy", "op": "proxy-connections", "connections": n, "rss_idle_mib": round(before / 1024, 1),
                  "rss_mib": round(during / 1024, 1), "kib_per_connection": round((during - before) / n, 1)}))
PY
((failed == 0)) || die "$failed run(s) failed"
