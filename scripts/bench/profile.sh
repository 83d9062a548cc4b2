#!/usr/bin/env bash
# Repeatable cost per request of sticky-proxy, for before/after comparisons on a shared, noisy machine.
#
#   scripts/bench/profile.sh [memory] [redis] [memcached]      (default: memory)
#
# For each store it starts three nginx backends (bench/nginx.conf.tmpl), the store server if any, and a release
# sticky-proxy, and measures two things:
#   1. callgrind: sticky-proxy runs under `valgrind --tool=callgrind` with instrumentation off; it learns
#      PROFILE_SESSIONS sessions and is warmed up, then instrumentation goes on for exactly PROFILE_REQUESTS
#      requests (`benchtool.py load`: GET / rotating over the sessions, PROFILE_CONNECTIONS keep-alive
#      connections, one request in flight on each). Instructions (Ir) divided by requests is the primary metric:
#      it hardly moves with the machine's load. `callgrind_annotate --inclusive=yes` of the run is kept.
#   2. perf stat (tracepoints only; this VM has no hardware counters): sticky-proxy natively under
#      `wrk -t1 -c64 -dPROFILE_WRK_SECONDS` with bench/lua/sessions.lua, counting syscalls, context switches
#      and task-clock per request. Skipped with PROFILE_PERF=0.
#
# Knobs: PROFILE_REQUESTS (20000), PROFILE_CONNECTIONS (32), PROFILE_SESSIONS (2000), PROFILE_WARMUP (2000
# requests before the measured ones; with a store behind a near-cache, a few times PROFILE_SESSIONS measures its hits),
# PROFILE_WRK_SECONDS (5),
# PROFILE_PERF (1), PROFILE_BUILD (1: `scripts/build-release.sh` first), PROFILE_BIN (a sticky-proxy binary to use
# instead of the release build, e.g. a copy of an older one, for a before/after), PROFILE_OUT (bench/work/profile),
# PROFILE_ENV (extra VAR=value settings for sticky-proxy, space separated, e.g. "STICKY_THREADS=1").
# Prints one summary line per store and writes them to $PROFILE_OUT/summary.txt; every process it starts is
# stopped on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
export PATH="$PATH:/usr/sbin:/sbin"

REQUESTS=${PROFILE_REQUESTS:-20000}
CONNECTIONS=${PROFILE_CONNECTIONS:-32}
SESSIONS=${PROFILE_SESSIONS:-2000}
WARMUP=${PROFILE_WARMUP:-2000}
WRK_SECONDS=${PROFILE_WRK_SECONDS:-5}
OUT=${PROFILE_OUT:-$ROOT/bench/work/profile}
TOOL=(python3 "$ROOT/scripts/bench/benchtool.py")
STORES=("$@")
[ "${#STORES[@]}" -gt 0 ] || STORES=(memory)

log() { printf 'profile: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for variable in $(compgen -e | grep '^STICKY_' || true); do unset "$variable"; done

# shellcheck source=../lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    [ "${#PIDS[@]}" -eq 0 ] || stop_processes "${PIDS[@]}"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash "$ROOT/scripts/install-packages.sh" nginx wrk redis-server memcached valgrind linux-perf python3 gcc \
    binutils libhiredis-dev libmemcached-dev pkg-config || die "could not install what profiling needs"

if [ -n "${PROFILE_BIN:-}" ]; then
    PROXY_BIN=$PROFILE_BIN
elif [ "${PROFILE_BUILD:-1}" = 1 ]; then
    log "building sticky-proxy (release)"
    bash "$ROOT/scripts/build-release.sh" --product sticky-proxy >"$ROOT/bench/work/profile-build.log" 2>&1 ||
        { tail -n 30 "$ROOT/bench/work/profile-build.log" >&2; die "release build failed"; }
fi
PROXY_BIN=${PROXY_BIN:-"$(bash "$ROOT/scripts/build-release.sh" --show-bin-path)/sticky-proxy"}
[ -x "$PROXY_BIN" ] || die "$PROXY_BIN is missing"

rm -rf "$OUT"
mkdir -p "$OUT"
# valgrind 3.19 cannot read the DWARF 5 that Swift 6 emits (it gives up on the binary), so it runs a copy without
# debug information (the symbol table stays: function names, no lines); and a preloaded shim keeps it from crashing
# on the async main's sigsuspend (see valgrind-sigsuspend.c).
objcopy --strip-debug "$PROXY_BIN" "$OUT/sticky-proxy.nodebug"
gcc -O2 -shared -fPIC -o "$OUT/valgrind-sigsuspend.so" "$ROOT/scripts/bench/valgrind-sigsuspend.c" ||
    die "could not build the valgrind shim (gcc)"
ulimit -n 65536 2>/dev/null || true

LAST_PID=
start() { # name port seconds command...
    local name=$1 port=$2 seconds=$3
    shift 3
    "$@" >"$OUT/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_for_port "$name" "$LAST_PID" "$port" "$seconds" || { tail -n 20 "$OUT/$name.log" >&2; die "$name did not start"; }
}

read -r WEB1 WEB2 WEB3 REDIS_PORT MEMCACHED_PORT PROXY_PORT < <("${TOOL[@]}" ports 6)
index=0
for port in "$WEB1" "$WEB2" "$WEB3"; do
    index=$((index + 1))
    dir="$OUT/web$index"
    mkdir -p "$dir"
    sed -e "s|@NAME@|web$index|g" -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$ROOT/bench/nginx.conf.tmpl" \
        >"$dir/nginx.conf"
    start "web$index" "$port" 15 nginx -e stderr -p "$dir" -c "$dir/nginx.conf"
done
BACKENDS="web1=127.0.0.1:$WEB1,web2=127.0.0.1:$WEB2,web3=127.0.0.1:$WEB3"

location_of() { # store
    case $1 in
        memory) echo memory ;;
        redis) echo "redis://127.0.0.1:$REDIS_PORT" ;;
        memcached) echo "memcached://127.0.0.1:$MEMCACHED_PORT" ;;
        *) die "unknown store $1 (memory, redis, memcached)" ;;
    esac
}
start_store() { # store
    case $1 in
        redis)
            port_in_use "$REDIS_PORT" || start redis "$REDIS_PORT" 15 redis-server --bind 127.0.0.1 \
                --port "$REDIS_PORT" --save '' --appendonly no --dir "$OUT" --daemonize no --logfile '' ;;
        memcached)
            local user=()
            [ "$(id -u)" -ne 0 ] || user=(-u root)
            port_in_use "$MEMCACHED_PORT" || start memcached "$MEMCACHED_PORT" 15 memcached -l 127.0.0.1 \
                -p "$MEMCACHED_PORT" -U 0 -m 256 -t 2 -c 4096 "${user[@]}" ;;
    esac
}
# shellcheck disable=SC2086 # PROFILE_ENV is a list of words on purpose
proxy_env=(env STICKY_LISTEN="127.0.0.1:$PROXY_PORT" STICKY_BACKENDS="$BACKENDS" STICKY_COOKIE_NAMES=JSESSIONID
    STICKY_LOG_LEVEL=warning STICKY_ADMIN_LISTEN=off ${PROFILE_ENV:-})

: >"$OUT/summary.txt"
for store in "${STORES[@]}"; do
    location=$(location_of "$store")
    start_store "$store"
    cookies="$OUT/$store.cookies"

    # 1. callgrind, instrumentation on only for the measured requests.
    log "$store: sticky-proxy under callgrind"
    start "sp-$store-callgrind" "$PROXY_PORT" 120 "${proxy_env[@]}" STICKY_STORE="$location" \
        LD_PRELOAD="$OUT/valgrind-sigsuspend.so" valgrind --tool=callgrind --instr-atstart=no \
        --callgrind-out-file="$OUT/callgrind.$store.out" "$OUT/sticky-proxy.nodebug"
    pid=$LAST_PID
    "${TOOL[@]}" learn "$PROXY_PORT" "$cookies" --count "$SESSIONS" >/dev/null || die "$store: learning failed"
    "${TOOL[@]}" load "$PROXY_PORT" "$cookies" --requests "$WARMUP" --connections "$CONNECTIONS" >/dev/null ||
        die "$store: warm-up failed"
    callgrind_control -i on "$pid" >/dev/null 2>&1
    load=$("${TOOL[@]}" load "$PROXY_PORT" "$cookies" --requests "$REQUESTS" --connections "$CONNECTIONS") ||
        die "$store: load failed: $load"
    callgrind_control -d "$pid" >/dev/null 2>&1
    callgrind_control -i off "$pid" >/dev/null 2>&1
    stop_processes "$pid"
    dump="$OUT/callgrind.$store.out.1" # the dump of `callgrind_control -d`; the bare file is the exit's
    ir=$(awk '/^totals:/ { print $2 }' "$dump")
    [ -n "$ir" ] || die "$store: no totals in $dump"
    callgrind_annotate --inclusive=yes --threshold=99 "$dump" >"$OUT/callgrind.$store.inclusive.txt" 2>/dev/null
    callgrind_annotate --threshold=99 "$dump" >"$OUT/callgrind.$store.self.txt" 2>/dev/null
    per_request=$((ir / REQUESTS))
    line="$store: $(printf "%'d" "$per_request") Ir/request (callgrind, $REQUESTS requests over $CONNECTIONS connections)"

    # 2. perf stat under wrk, natively.
    if [ "${PROFILE_PERF:-1}" = 1 ]; then
        log "$store: sticky-proxy under wrk and perf stat"
        start "sp-$store" "$PROXY_PORT" 30 "${proxy_env[@]}" STICKY_STORE="$location" "$PROXY_BIN"
        pid=$LAST_PID
        "${TOOL[@]}" learn "$PROXY_PORT" "$cookies" --count "$SESSIONS" >/dev/null || die "$store: learning failed"
        wrk -t1 -c64 -d2s -s "$ROOT/bench/lua/sessions.lua" "http://127.0.0.1:$PROXY_PORT/" -- "$cookies" >/dev/null
        perf stat -x, -o "$OUT/perf.$store.csv" -e raw_syscalls:sys_enter,context-switches,task-clock -p "$pid" -- \
            wrk -t1 -c64 -d"${WRK_SECONDS}s" --latency -s "$ROOT/bench/lua/sessions.lua" \
            "http://127.0.0.1:$PROXY_PORT/" -- "$cookies" >"$OUT/wrk.$store.txt"
        stop_processes "$pid"
        line+=$(python3 - "$OUT/perf.$store.csv" "$OUT/wrk.$store.txt" <<'EOF'
import json, sys
counts = {}
for row in open(sys.argv[1]):
    parts = row.strip().split(",")
    if len(parts) > 2 and parts[0] and not row.startswith("#"):
        try:
            counts[parts[2]] = float(parts[0])
        except ValueError:
            pass
result = next(json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[2]) if l.startswith("BENCH_JSON "))
n = max(1, result["requests"])
print(f"; {counts.get('raw_syscalls:sys_enter', 0) / n:.2f} syscalls, {counts.get('context-switches', 0) / n:.2f} "
      f"context switches, {counts.get('task-clock', 0) * 1000 / n:.1f} µs task-clock per request "
      f"(wrk -c64, {result['rps']:,.0f} req/s, p99 {result['p99_us'] / 1000:.2f} ms)")
EOF
)
    fi
    echo "$line" | tee -a "$OUT/summary.txt"
done
log "callgrind output and annotations in $OUT"
