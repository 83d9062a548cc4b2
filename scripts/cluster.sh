#!/usr/bin/env bash
# The docker-compose topology as local processes: a throwaway Redis on a free port, three demo backends and two
# sticky-proxy replicas sharing that Redis (replica a on 8080, admin 9090; replica b on 8081, admin 9091).
# Ctrl-C stops everything it started.
#
#   scripts/cluster.sh           start, print how to try it, run until Ctrl-C (or until a process exits)
#   scripts/cluster.sh --smoke   start on free ports, one session through both replicas, stop; exit 0 if it stuck
#
# Needs redis-server and curl on PATH, and sticky-proxy and demo-app built (STICKY_BIN_DIR, or `swift build`).
# STICKY_* settings in the environment apply to both replicas (`STICKY_LOG_FORMAT=json make cluster`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SMOKE=""
case "${1:-}" in
    --smoke) SMOKE=1 ;;
    "") ;;
    *) echo "usage: scripts/cluster.sh [--smoke]" >&2; exit 2 ;;
esac

log() { printf 'cluster: %s\n' "$*" >&2; }
source scripts/lib/processes.sh

for tool in redis-server curl python3; do
    command -v "$tool" >/dev/null || { log "$tool is not on PATH (apt-get install redis-server curl python3)"; exit 1; }
done
BIN_DIR="${STICKY_BIN_DIR:-$(swift build --show-bin-path)}"
for executable in demo-app sticky-proxy; do
    [ -x "$BIN_DIR/$executable" ] || { log "$BIN_DIR/$executable is missing: run 'make build' first"; exit 1; }
done

if [ -n "$SMOKE" ]; then
    read -r REDIS_PORT WEB1 WEB2 WEB3 PROXY_A PROXY_B ADMIN_A ADMIN_B < <(free_ports 8)
else
    read -r REDIS_PORT < <(free_ports 1)
    WEB1=9001 WEB2=9002 WEB3=9003 PROXY_A=8080 PROXY_B=8081 ADMIN_A=9090 ADMIN_B=9091
fi

require_free_ports "$WEB1" "$WEB2" "$WEB3" "$PROXY_A" "$PROXY_B" "$ADMIN_A" "$ADMIN_B"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sticky-cluster.XXXXXX")"
PIDS=()
PROXY_PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_processes "${PIDS[@]}"
    if [ "$status" -ne 0 ] && [ -n "$SMOKE" ]; then
        for file in "$RUN_DIR"/*.log; do
            log "--- $(basename "$file"):"
            tail -n 20 "$file" >&2 || true
        done
    fi
    rm -rf "$RUN_DIR"
    [ -n "$SMOKE" ] || log "stopped"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$RUN_DIR" \
    --daemonize no --logfile "$RUN_DIR/redis.log" &
PIDS+=("$!")
wait_for_port redis "$!" "$REDIS_PORT"

index=0
for port in "$WEB1" "$WEB2" "$WEB3"; do
    index=$((index + 1))
    "$BIN_DIR/demo-app" --name "web$index" --host 127.0.0.1 --port "$port" --threads 1 >"$RUN_DIR/web$index.log" 2>&1 &
    PIDS+=("$!")
    wait_for_port "web$index" "$!" "$port"
done

BACKENDS="web1=127.0.0.1:$WEB1,web2=127.0.0.1:$WEB2,web3=127.0.0.1:$WEB3"
# Other STICKY_* settings in the environment (STICKY_LOG_FORMAT=json make cluster) apply to both replicas; the
# variables of the build and test tooling are not settings, and the proxy would refuse them as typos.
NOT_SETTINGS=()
for name in $(compgen -e); do
    case "$name" in
        STICKY_BIN_DIR | STICKY_TEST_* | STICKY_E2E_*) NOT_SETTINGS+=(-u "$name") ;;
    esac
done
start_proxy() { # name port admin
    local output=/dev/stderr
    [ -n "$SMOKE" ] && output="$RUN_DIR/proxy-$1.log"
    env "${NOT_SETTINGS[@]}" STICKY_LISTEN="127.0.0.1:$2" STICKY_ADMIN_LISTEN="127.0.0.1:$3" STICKY_BACKENDS="$BACKENDS" \
        STICKY_STORE="redis://127.0.0.1:$REDIS_PORT/0" STICKY_SHUTDOWN_TIMEOUT=5 \
        "$BIN_DIR/sticky-proxy" >>"$output" 2>&1 &
    PIDS+=("$!")
    PROXY_PIDS+=("$!")
    wait_for_port "proxy-$1" "$!" "$2"
}
start_proxy a "$PROXY_A" "$ADMIN_A"
start_proxy b "$PROXY_B" "$ADMIN_B"

if [ -n "$SMOKE" ]; then
    jar="$RUN_DIR/jar"
    first=$(curl -sS --max-time 10 -c "$jar" -b "$jar" "http://127.0.0.1:$PROXY_A/")
    owner=${first%% *}
    [ -n "$owner" ] || { log "smoke: no answer from replica a"; exit 1; }
    for round in 2 3 4; do
        for port in "$PROXY_B" "$PROXY_A"; do
            answer=$(curl -sS --max-time 10 -c "$jar" -b "$jar" "http://127.0.0.1:$port/")
            if [ "${answer%% *}" != "$owner" ]; then
                log "smoke: the session started on $owner, but 127.0.0.1:$port sent it to: $answer"
                exit 1
            fi
        done
    done
    case "$answer" in
        *"visits=7 "*) ;;
        *) log "smoke: expected the 7th visit of one session, got: $answer"; exit 1 ;;
    esac
    for admin in "$ADMIN_A" "$ADMIN_B"; do
        readiness=$(curl -sS --max-time 10 "http://127.0.0.1:$admin/readyz")
        case "$readiness" in
            *'"store":"ok"'*) ;;
            *) log "smoke: /readyz on $admin: $readiness"; exit 1 ;;
        esac
    done
    # Both replicas drain and exit 0 on SIGTERM.
    for pid in "${PROXY_PIDS[@]}"; do kill -TERM "$pid"; done
    for pid in "${PROXY_PIDS[@]}"; do
        status=0
        wait "$pid" || status=$?
        [ "$status" -eq 0 ] || { log "smoke: a replica exited with status $status after SIGTERM"; exit 1; }
    done
    log "smoke: ok (one session on $owner through both replicas, 7 visits; both replicas drained and exited 0)"
    exit 0
fi

cat <<HELP

Two sticky-proxy replicas share one Redis (127.0.0.1:$REDIS_PORT) in front of web1..web3 (127.0.0.1:$WEB1-$WEB3):
  replica a  http://localhost:$PROXY_A   admin http://localhost:$ADMIN_A  (/metrics /readyz /backends)
  replica b  http://localhost:$PROXY_B   admin http://localhost:$ADMIN_B

  One session through both replicas: the same backend answers, visits go on counting.
    curl -c jar -b jar localhost:$PROXY_A/
    curl -c jar -b jar localhost:$PROXY_B/
  What the replicas know:
    curl localhost:$ADMIN_A/backends
    curl -s localhost:$ADMIN_B/metrics | grep ^sticky_requests_total

Ctrl-C stops everything.
HELP

set +e
wait -n "${PIDS[@]}"
status=$?
set -e
log "a process exited with status $status; stopping the others"
exit "$status"
