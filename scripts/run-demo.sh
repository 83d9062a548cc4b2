#!/usr/bin/env bash
# Starts three demo backends (web1..web3 on 127.0.0.1:9001-9003) and sticky-proxy on 127.0.0.1:8080 in front of
# them. Ctrl-C stops everything this script started; so does any one of them exiting.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN_DIR="${STICKY_BIN_DIR:-$(swift build --show-bin-path)}"
for executable in demo-app sticky-proxy; do
    if [ ! -x "$BIN_DIR/$executable" ]; then
        echo "run-demo: $BIN_DIR/$executable is missing: run 'make build' first" >&2
        exit 1
    fi
done

log() { printf 'run-demo: %s\n' "$*" >&2; }
source scripts/lib/processes.sh
require_free_ports 9001 9002 9003 8080

PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_processes "${PIDS[@]}"
    log "stopped"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for index in 1 2 3; do
    "$BIN_DIR/demo-app" --name "web$index" --port "900$index" --host 127.0.0.1 &
    PIDS+=("$!")
    wait_for_port "web$index" "$!" "900$index" || exit 1
done

STICKY_LISTEN=127.0.0.1:8080 \
    STICKY_BACKENDS=web1=127.0.0.1:9001,web2=127.0.0.1:9002,web3=127.0.0.1:9003 \
    STICKY_STORE=memory \
    "$BIN_DIR/sticky-proxy" &
PIDS+=("$!")
wait_for_port sticky-proxy "$!" 8080 || exit 1

cat <<'HELP'

sticky-proxy listens on http://localhost:8080 in front of web1..web3 (127.0.0.1:9001-9003).

  With a cookie jar, every request goes to the backend that owns the session:
    curl -c jar -b jar localhost:8080/      # repeat: same backend, visits=1, 2, 3...
    curl -c jar -b jar localhost:8080/logout
  Without one, requests are spread over all three backends:
    curl -i localhost:8080/                 # look at X-Backend

Ctrl-C stops everything.
HELP

# Until Ctrl-C, or until one of the processes exits on its own.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
echo "run-demo: a process exited with status $status; stopping the others" >&2
exit "$status"
