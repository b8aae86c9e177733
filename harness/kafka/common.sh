# Shared by start.sh and stop.sh (sourced, not run). Paths and helpers for
# the single test broker this directory manages.

KAFKA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="$KAFKA_DIR/.cache"
LIB_DIR="$CACHE_DIR/lib"
STAMP="$LIB_DIR/.pom.sha256"          # checksum of the pom the jars came from
RUN_DIR="$(realpath -m "${KAFKA_RUN_DIR:-$KAFKA_DIR/.run}")"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/broker.log"
PROPS="$RUN_DIR/server.properties"

KAFKA_PORT="${KAFKA_PORT:-39092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
# SASL_PLAINTEXT listener (mechanisms PLAIN and SCRAM-SHA-256) for credential tests.
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}"
# SASL_SSL listener (same mechanisms and user) for TLS tests and benchmarks; its certificates
# come from a throwaway CA made at every fresh start (ca.pem is what clients trust).
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-$((KAFKA_PORT + 3))}"
TLS_DIR="$RUN_DIR/tls"
KAFKA_SASL_USER="kb-test"
KAFKA_SASL_PASSWORD="kb-test-secret"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
LISTENERS="PLAINTEXT://$BOOTSTRAP,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"

log() { echo "kafka-harness: $*" >&2; }

# True if the pid exists and is not a zombie (a killed child of this shell
# that has not been reaped yet still answers kill -0).
alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  read -r st <"/proc/$1/stat" 2>/dev/null || return 1
  st="${st##*) }"
  [[ "${st%% *}" != Z ]]
}

# Prints the pid from the pid file if that process is alive and is the broker
# started with this run dir's server.properties (guards against pid reuse).
broker_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

# SIGTERM, wait up to $2 seconds, then SIGKILL. Returns once the pid is gone.
terminate() {
  local pid="$1" timeout="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "pid $pid still alive after ${timeout}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  # A SIGKILLed process disappears once its parent (or init) reaps it.
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
}

# Runs a Kafka CLI class from the cached jars, e.g.
#   kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server ... --list
# killed after $TOOL_TIMEOUT seconds (default 300).
kafka_tool() {
  timeout --kill-after=5 "${TOOL_TIMEOUT:-300}" java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkb.log.level=WARN -Dkb.log.target=SYSTEM_ERR \
    -cp "$LIB_DIR/*" "$@"
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Serialises start.sh/stop.sh runs on the same run dir (fd 9 stays open until
# the script exits; the broker itself is started with fd 9 closed).
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 180 9 || { log "could not lock $RUN_DIR/.lock"; exit 1; }
}
