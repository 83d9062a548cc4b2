#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (Debian packages), starts a throwaway redis-server and two
# throwaway memcached servers on free loopback ports, builds, runs `swift test`, then a short run of the local
# cluster (`scripts/cluster.sh --smoke`), and always stops what it started.
# Exits with the status of `swift test` if it failed, else of the cluster smoke run (or of the first step that failed).
#
# Exported to the tests:
#   STICKY_TEST_REDIS_URL          redis://127.0.0.1:PORT
#   STICKY_TEST_MEMCACHED_SERVERS  127.0.0.1:P1,127.0.0.1:P2
#   STICKY_BIN_DIR                 where sticky-proxy and demo-app were built
#   STICKY_E2E_LOG_DIR, STICKY_E2E_PID_FILE   for the end-to-end harness (STICKY_E2E_KEEP_LOGS=1 keeps the logs
#                                  in .build/e2e-logs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }
source scripts/lib/processes.sh

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sticky-test.XXXXXX")"
SERVER_PIDS=()

cleanup() {
    local status=$?
    set +e
    stop_processes "${SERVER_PIDS[@]}"
    # Children that a crashed test process may have left behind: only the PIDs the harness recorded, and only if
    # they still are our binaries.
    if [ -f "$RUN_DIR/e2e-pids" ]; then
        while read -r pid; do
            if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE '(demo-app|sticky-proxy)'; then
                log "killing leftover test process $pid"
                kill -9 "$pid" 2>/dev/null
            fi
        done <"$RUN_DIR/e2e-pids"
    fi
    rm -rf "$RUN_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Packages: install only what is missing, without letting apt start the default services.
bash scripts/install-packages.sh libhiredis-dev libmemcached-dev redis-server memcached pkg-config curl

# 2. Three free loopback ports.
read -r REDIS_PORT MEMCACHED_PORT_1 MEMCACHED_PORT_2 < <(free_ports 3)

# 3. Throwaway servers: loopback only, nothing written to disk.
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$RUN_DIR" \
    --daemonize no --logfile "$RUN_DIR/redis.log" &
SERVER_PIDS+=("$!")
wait_for_port redis "$!" "$REDIS_PORT" || { cat "$RUN_DIR/redis.log" >&2; exit 1; }

memcached_user=()
if [ "$(id -u)" -eq 0 ]; then
    memcached_user=(-u root) # memcached refuses to run as root unless told to
fi
memcached_index=0
for port in "$MEMCACHED_PORT_1" "$MEMCACHED_PORT_2"; do
    memcached_index=$((memcached_index + 1))
    memcached -l 127.0.0.1 -p "$port" -U 0 -m 64 "${memcached_user[@]}" >"$RUN_DIR/memcached$memcached_index.log" 2>&1 &
    SERVER_PIDS+=("$!")
    wait_for_port "memcached$memcached_index" "$!" "$port" ||
        { cat "$RUN_DIR/memcached$memcached_index.log" >&2; exit 1; }
done

export STICKY_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export STICKY_TEST_MEMCACHED_SERVERS="127.0.0.1:$MEMCACHED_PORT_1,127.0.0.1:$MEMCACHED_PORT_2"
export STICKY_E2E_PID_FILE="$RUN_DIR/e2e-pids"
if [ "${STICKY_E2E_KEEP_LOGS:-}" = 1 ]; then
    export STICKY_E2E_LOG_DIR="$PWD/.build/e2e-logs"
else
    export STICKY_E2E_LOG_DIR="$RUN_DIR/e2e-logs"
fi
log "redis on $STICKY_TEST_REDIS_URL, memcached on $STICKY_TEST_MEMCACHED_SERVERS"

# 4. Build, then test. Swift Testing already runs tests in parallel inside one process; `--parallel` (one process
#    per XCTest class) would only add processes competing for the same two cores, so it is not used.
swift build --build-tests
export STICKY_BIN_DIR="$(swift build --show-bin-path)"
set +e
swift test --skip-build
status=$?
set -e
log "swift test exited with status $status"

# 5. The local cluster of `make cluster`, briefly: two replicas, one Redis, one session through both.
set +e
bash scripts/cluster.sh --smoke
smoke=$?
set -e
log "cluster smoke run exited with status $smoke"
if [ "$status" -eq 0 ]; then
    status=$smoke
fi
exit "$status"
