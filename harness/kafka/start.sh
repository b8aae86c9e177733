#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft, broker+controller in one JVM) on
# 127.0.0.1 for the FFI tests, and waits until it answers metadata requests.
# Idempotent: if the broker from a previous run is up and answering, it does
# nothing. Harness messages go to stderr; the only stdout line is the last one,
# KAFKA_BROKERS=host:port. See README.md for the environment variables.
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"

command -v java >/dev/null || { log "java not found on PATH"; exit 1; }

# One metadata round-trip through Kafka's own TopicCommand (AdminClient), with
# short client timeouts so that a broker that is not up yet fails fast.
broker_ready() {
  port_open "$KAFKA_PORT" || return 1
  TOOL_TIMEOUT=30 kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$RUN_DIR/admin.properties" \
    --list >/dev/null 2>&1 </dev/null
}

# Jars in .cache/lib are reused while the stamp matches the pom's checksum;
# otherwise Maven copies them into a fresh dir which then replaces lib/, so an
# interrupted fetch never leaves a half-filled lib/ that looks complete.
fetch_jars() {
  local sum tmp
  sum="$(sha256sum "$KAFKA_DIR/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$sum" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || { log "mvn not found on PATH (needed once to fetch the Kafka jars)"; exit 1; }
  log "fetching Kafka jars with Maven into $LIB_DIR"
  mkdir -p "$CACHE_DIR"
  rm -rf "$CACHE_DIR"/lib.tmp.*   # left by an interrupted fetch
  tmp="$(mktemp -d "$CACHE_DIR/lib.tmp.XXXXXX")"
  # Output goes to a file and is shown only on failure (Debian's Maven prints
  # stray colour codes even with -q -B).
  if ! mvn -q -B -f "$KAFKA_DIR/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE_DIR/mvn.log" 2>&1 </dev/null; then
    rm -rf "$tmp"
    log "Maven could not fetch the Kafka jars:"
    sed 's/\x1b\[[0-9;]*m//g' "$CACHE_DIR/mvn.log" >&2
    exit 1
  fi
  chmod 755 "$tmp"
  echo "$sum" >"$tmp/.pom.sha256"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
}

# A throwaway CA (ca.pem, what clients trust) and a server certificate it signs for IP:127.0.0.1
# and DNS:localhost, made afresh with every fresh start; the CA key is deleted right away.
# Kafka reads the server key and chain as one PEM file (ssl.keystore.type=PEM); without
# ssl.key.password the key must be unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), which is what
# OpenSSL 3 writes. Chained with && because errexit does not apply inside `if ! make_certs`.
make_certs() {
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=kafkabridge test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout ca.key -out ca.pem &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr &&
      printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
        -days 30 -extfile server.ext -out server.crt &&
      cat server.key server.crt >server.pem && chmod 600 server.pem &&
      rm -f ca.key server.key server.csr server.ext server.crt
  ) >>"$LOG_FILE" 2>&1 </dev/null
}

write_config() {
  cat >"$PROPS" <<PROPS
# Written by harness/kafka/start.sh; regenerated on every fresh start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$LISTENERS
advertised.listeners=PLAINTEXT://$BOOTSTRAP,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
# One test user for both mechanisms on both SASL listeners (the SCRAM credential is added when
# formatting).
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$KAFKA_SASL_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# OAUTHBEARER on SASL_PLAINTEXT only, with Kafka's unsecured token validator: any unsigned JWS
# whose scope includes "required-scope" (tokens made by the client under test); the login part
# is the broker's own token, which it never uses (inter-broker traffic is PLAINTEXT).
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,OAUTHBEARER
listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="kb-broker" unsecuredValidatorRequiredScope="required-scope";
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$KAFKA_SASL_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# TLS on the SASL_SSL listener only: key and certificate from make_certs, no client certificates.
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/server.pem
log.dirs=$DATA_DIR
# One node: every internal topic must have replication factor / min ISR 1.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Few partitions for internal topics: the first group join / transaction
# then waits for 1 partition to be created instead of 50.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1
num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
# Consumer groups rebalance at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Small segments; still larger than the default max message size (~1 MiB).
log.segment.bytes=16777216
# Sized for a 2-core CI machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
PROPS
  cat >"$RUN_DIR/admin.properties" <<PROPS
request.timeout.ms=5000
default.api.timeout.ms=10000
PROPS
}

take_lock

# Already running? A broker on other ports is replaced. One on the same ports
# that is still starting gets the usual time, then is reused; one that never
# answers is replaced by a fresh one.
if pid="$(broker_pid)" &&
    ! grep -qxF "listeners=$LISTENERS" "$PROPS"; then
  log "running broker (pid $pid) uses other ports; replacing it"
  terminate "$pid" 30
fi
if pid="$(broker_pid)"; then
  deadline=$((SECONDS + START_TIMEOUT))
  until broker_ready; do
    if ((SECONDS >= deadline)) || ! alive "$pid"; then
      log "broker pid $pid is not answering; restarting it"
      terminate "$pid" 30
      break
    fi
    sleep 1
  done
  if alive "$pid"; then
    log "broker already running (pid $pid) on $BOOTSTRAP"
    echo "KAFKA_BROKERS=$BOOTSTRAP"
    exit 0
  fi
fi
rm -f "$PID_FILE"

for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_PORT" "$KAFKA_SASL_SSL_PORT"; do
  if port_open "$port"; then
    log "port 127.0.0.1:$port is already in use by another process; set KAFKA_PORT to move the broker"
    exit 1
  fi
done

STARTED_PID=""
on_exit() {
  local rc=$?
  ((rc == 0)) && return 0
  log "start failed (exit $rc)"
  if [[ -s "$LOG_FILE" ]]; then
    log "last 50 lines of $LOG_FILE:"
    tail -n 50 "$LOG_FILE" >&2 || true
  fi
  if [[ -n "$STARTED_PID" ]]; then
    log "stopping the broker this run started (pid $STARTED_PID)"
    terminate "$STARTED_PID" 10
    wait "$STARTED_PID" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  return "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

: >"$LOG_FILE"
fetch_jars

t0=$SECONDS
if [[ "${KAFKA_KEEP_DATA:-0}" == 1 && -f "$DATA_DIR/meta.properties" && -f "$TLS_DIR/server.pem" ]]; then
  # A restart on the data (and certificates) a stopped or killed broker left: what the fault
  # scenarios need to check that nothing acknowledged was lost.
  log "restarting on the data in $DATA_DIR"
  write_config
else
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  command -v openssl >/dev/null || { log "openssl not found on PATH (needed for the SASL_SSL certificates)"; exit 1; }
  if ! make_certs; then
    log "making the TLS certificates in $TLS_DIR failed"
    exit 1
  fi
  write_config

  # A cluster id is 16 random bytes in URL-safe base64 without padding; it may begin with "-", so
  # it is passed as --cluster-id=<id>.
  cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  if ! kafka_tool kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      --add-scram "SCRAM-SHA-256=[name=$KAFKA_SASL_USER,password=$KAFKA_SASL_PASSWORD]" \
      --config "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null; then
    log "formatting the storage failed"
    exit 1
  fi
fi

# setsid: the broker gets its own session, so it outlives this script and a
# Ctrl-C in the calling terminal does not reach it. fd 9 (the lock) is closed
# so that the broker does not hold the lock.
log "starting broker on $BOOTSTRAP (SASL_PLAINTEXT :$KAFKA_SASL_PORT, SASL_SSL :$KAFKA_SASL_SSL_PORT with CA $TLS_DIR/ca.pem, controller :$KAFKA_CONTROLLER_PORT), log: $LOG_FILE"
# shellcheck disable=SC2086  # HEAP_OPTS/KAFKA_JVM_OPTS are word lists
setsid java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
  ${KAFKA_JVM_OPTS:-} \
  -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" -Dkb.log.level=INFO \
  -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
STARTED_PID=$!
echo "$STARTED_PID" >"$PID_FILE"

deadline=$((SECONDS + START_TIMEOUT))
until broker_ready; do
  if ! alive "$STARTED_PID"; then
    log "broker exited during startup"
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    log "broker did not answer on $BOOTSTRAP within ${START_TIMEOUT}s"
    exit 1
  fi
  sleep 1
done

log "broker up (pid $STARTED_PID) after $((SECONDS - t0))s"
echo "KAFKA_BROKERS=$BOOTSTRAP"
