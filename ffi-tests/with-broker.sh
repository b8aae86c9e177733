#!/usr/bin/env bash
# Runs a command with the real Kafka broker up (KAFKA_BROKERS exported), and stops the broker
# afterwards whatever the outcome.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
trap '"$here/kafka/stop.sh" >/dev/null 2>&1 || true' EXIT
export "$("$here/kafka/start.sh")"
echo "broker: $KAFKA_BROKERS"
"$@"
