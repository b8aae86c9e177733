#!/usr/bin/env bash
# Runs a command with the real Kafka broker up, and stops the broker afterwards whatever the
# outcome. Exported: KAFKA_BROKERS (PLAINTEXT), KAFKA_SASL_BROKERS (SASL_PLAINTEXT),
# KAFKA_SASL_SSL_BROKERS (SASL_SSL) and KAFKA_CA_LOCATION (the CA that signed the broker's
# certificate). The SASL user is kb-test, password kb-test-secret (see kafka/README.md).
# KAFKA_PORT and KAFKA_RUN_DIR are passed on to kafka/start.sh and kafka/stop.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
trap '"$here/kafka/stop.sh" >/dev/null 2>&1 || true' EXIT
export "$("$here/kafka/start.sh")"
# The other listeners' ports and the CA path, computed as start.sh does.
# shellcheck source=kafka/common.sh
source "$here/kafka/common.sh"
export KAFKA_SASL_BROKERS="127.0.0.1:$KAFKA_SASL_PORT"
export KAFKA_SASL_SSL_BROKERS="127.0.0.1:$KAFKA_SASL_SSL_PORT"
export KAFKA_CA_LOCATION="$TLS_DIR/ca.pem"
echo "broker: $KAFKA_BROKERS (SASL_PLAINTEXT $KAFKA_SASL_BROKERS, SASL_SSL $KAFKA_SASL_SSL_BROKERS, CA $KAFKA_CA_LOCATION)"
"$@"
