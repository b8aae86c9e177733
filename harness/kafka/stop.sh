#!/usr/bin/env bash
# Stops the test broker started by start.sh (SIGTERM, up to
# KAFKA_STOP_TIMEOUT seconds, default 30, then SIGKILL) and removes its data
# dir, TLS certificates and pid file. broker.log is kept for inspection until the next start.
# Succeeds when nothing is running.
set -euo pipefail
# shellcheck source=common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

take_lock
if pid="$(broker_pid)"; then
  log "stopping broker (pid $pid)"
  terminate "$pid" "${KAFKA_STOP_TIMEOUT:-30}"
  if alive "$pid"; then
    log "broker pid $pid did not exit"
    exit 1
  fi
else
  log "no broker running"
fi
rm -rf "$DATA_DIR" "$TLS_DIR"
rm -f "$PID_FILE"
