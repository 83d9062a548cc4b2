#!/usr/bin/env bash
# `make bench`: sticky-proxy (memory, Redis, memcached) against HAProxy's stick table and a bare nginx backend.
# Installs what is missing (Debian packages), builds sticky-proxy in release mode, starts three nginx backends,
# redis-server and memcached on free loopback ports, and for each target: learns 10,000 sessions through it,
# warms up, then measures with wrk (interleaved rounds, median). Writes bench/results/latest.md and latest.png.
# Everything it starts lives under bench/work/run/ and is stopped on exit, Ctrl-C included.
# It is a benchmark, not a test: it exits 0 unless something fails to install, build or start.
#
# Knobs (environment): BENCH_DURATION (s per run, 10), BENCH_ROUNDS (3), BENCH_WARMUP (s, 3),
# BENCH_IDLE_CONNECTIONS (10000), BENCH_RESULTS (output directory, bench/results).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
export PATH="$PATH:/usr/sbin:/sbin"

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-3}
IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-10000}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/results}
SESSIONS=10000
WORK=$ROOT/bench/work/run
TOOL=(python3 "$ROOT/scripts/bench/benchtool.py")
LUA=$ROOT/bench/lua/sessions.lua
JSONL=$WORK/results.jsonl
STARTED_AT=$(date +%s)

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stray STICKY_* variables would reach sticky-proxy (and unknown ones are errors there).
for variable in $(compgen -e | grep '^STICKY_' || true); do unset "$variable"; done

# shellcheck source=../lib/processes.sh
source "$ROOT/scripts/lib/processes.sh"

PIDS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [ "${#PIDS[@]}" -gt 0 ]; then
        log "stopping ${#PIDS[@]} processes"
        STOP_GRACE_SECONDS=5 stop_processes "${PIDS[@]}"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------------
# 1. Packages: only what is missing, without letting apt start services on their default ports.
bash "$ROOT/scripts/install-packages.sh" haproxy nginx wrk redis-server memcached gnuplot-nox python3 \
    libhiredis-dev libmemcached-dev pkg-config ||
    die "could not install the packages the benchmark needs"
command -v swift >/dev/null || die "swift is not on PATH"

# ---------------------------------------------------------------------------------------------------------------
# 2. sticky-proxy, release build.
mkdir -p "$ROOT/bench/work"
log "building sticky-proxy (release; the first build takes several minutes, output in bench/work/build.log)"
bash "$ROOT/scripts/build-release.sh" --product sticky-proxy >"$ROOT/bench/work/build.log" 2>&1 ||
    { tail -n 30 "$ROOT/bench/work/build.log" >&2; die "release build failed"; }
PROXY_BIN="$(bash "$ROOT/scripts/build-release.sh" --show-bin-path)/sticky-proxy"
[ -x "$PROXY_BIN" ] || die "$PROXY_BIN is missing"

# ---------------------------------------------------------------------------------------------------------------
# 3. Work directory, file descriptors, ports.
rm -rf "$WORK"
mkdir -p "$WORK" "$RESULTS"
: >"$JSONL"
note() { python3 -c 'import json,sys; print(json.dumps({"kind":"note","text":sys.argv[1]}))' "$*" >>"$JSONL"; }

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" -lt $((IDLE_CONNECTIONS + 1000)) ]; then
    IDLE_CONNECTIONS=$((NOFILE - 1000))
    note "ulimit -n is $NOFILE: the idle-connection test holds only $IDLE_CONNECTIONS connections"
fi

read -r WEB1_PORT WEB2_PORT WEB3_PORT REDIS_PORT MEMCACHED_PORT HAPROXY_PORT SP_MEMORY_PORT SP_REDIS_PORT \
    SP_MEMCACHED_PORT < <("${TOOL[@]}" ports 9)

start() { # name port command... (output to $WORK/name.log)
    local name=$1 port=$2
    shift 2
    "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
    eval "PID_${name//-/_}=$!"
    wait_for_port "$name" "$!" "$port" 15 || { tail -n 20 "$WORK/$name.log" >&2; die "$name did not start"; }
}

# ---------------------------------------------------------------------------------------------------------------
# 4. Backends and stores.
for index in 1 2 3; do
    port_var="WEB${index}_PORT"
    dir="$WORK/web$index"
    mkdir -p "$dir"
    sed -e "s|@NAME@|web$index|g" -e "s|@PORT@|${!port_var}|g" -e "s|@DIR@|$dir|g" \
        "$ROOT/bench/nginx.conf.tmpl" >"$dir/nginx.conf"
    start "web$index" "${!port_var}" nginx -e stderr -p "$dir" -c "$dir/nginx.conf"
done
log "nginx backends on 127.0.0.1:$WEB1_PORT, :$WEB2_PORT, :$WEB3_PORT"

start redis "$REDIS_PORT" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$WORK" --daemonize no --logfile ''
memcached_user=()
[ "$(id -u)" -ne 0 ] || memcached_user=(-u root) # memcached refuses root unless told
start memcached "$MEMCACHED_PORT" memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 256 -t 2 -c 4096 \
    "${memcached_user[@]}"
log "redis on :$REDIS_PORT, memcached on :$MEMCACHED_PORT"

# ---------------------------------------------------------------------------------------------------------------
# 5. Targets.
BACKENDS="web1=127.0.0.1:$WEB1_PORT,web2=127.0.0.1:$WEB2_PORT,web3=127.0.0.1:$WEB3_PORT"
HAPROXY_MAXCONN=$(( (NOFILE - 200) / 2 < 12000 ? (NOFILE - 200) / 2 : 12000 ))
sed -e "s|@PORT@|$HAPROXY_PORT|g" -e "s|@MAXCONN@|$HAPROXY_MAXCONN|g" -e "s|@WEB1@|127.0.0.1:$WEB1_PORT|g" -e "s|@WEB2@|127.0.0.1:$WEB2_PORT|g" \
    -e "s|@WEB3@|127.0.0.1:$WEB3_PORT|g" "$ROOT/bench/haproxy.cfg.tmpl" >"$WORK/haproxy.cfg"
haproxy -c -q -f "$WORK/haproxy.cfg" || die "haproxy.cfg does not parse"
start haproxy "$HAPROXY_PORT" haproxy -db -f "$WORK/haproxy.cfg"

start_sticky() { # name port store
    start "$1" "$2" env STICKY_LISTEN="127.0.0.1:$2" STICKY_BACKENDS="$BACKENDS" STICKY_COOKIE_NAMES=JSESSIONID \
        STICKY_STORE="$3" STICKY_LOG_LEVEL=warning STICKY_ADMIN_LISTEN=off "$PROXY_BIN"
}
start_sticky sp-memory "$SP_MEMORY_PORT" memory
start_sticky sp-redis "$SP_REDIS_PORT" "redis://127.0.0.1:$REDIS_PORT"
start_sticky sp-memcached "$SP_MEMCACHED_PORT" "memcached://127.0.0.1:$MEMCACHED_PORT"
log "HAProxy on :$HAPROXY_PORT, sticky-proxy on :$SP_MEMORY_PORT (memory), :$SP_REDIS_PORT (Redis)," \
    ":$SP_MEMCACHED_PORT (memcached)"

TARGETS=(bare haproxy sp-memory sp-redis sp-memcached)
declare -A PORT=([bare]=$WEB1_PORT [haproxy]=$HAPROXY_PORT [sp-memory]=$SP_MEMORY_PORT [sp-redis]=$SP_REDIS_PORT
    [sp-memcached]=$SP_MEMCACHED_PORT)
declare -A PID=([bare]="" [haproxy]=$PID_haproxy [sp-memory]=$PID_sp_memory [sp-redis]=$PID_sp_redis
    [sp-memcached]=$PID_sp_memcached)
declare -A LABEL=([bare]="nginx, bare (web1 only)" [haproxy]="HAProxy, stick table" [sp-memory]="sticky-proxy, memory"
    [sp-redis]="sticky-proxy, Redis" [sp-memcached]="sticky-proxy, memcached")
declare -A CHART=([bare]="nginx (bare)" [haproxy]="HAProxy" [sp-memory]="sticky memory" [sp-redis]="sticky Redis"
    [sp-memcached]="sticky memcached")
declare -A LEARN_SECONDS=() STICKY=() VMHWM=()

alive() { # name: dies if the target's process is gone
    local pid=${PID[$1]}
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || { tail -n 20 "$WORK/$1.log" >&2; die "$1 (pid $pid) died"; }
}

# ---------------------------------------------------------------------------------------------------------------
# 6. Metadata (the load average shows whether someone else was using the cores).
python3 - "$JSONL" <<EOF
import json, sys, os, platform
def first(cmd):
    import subprocess
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except Exception:
        return "?"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
meta = {
    "kind": "meta", "date": first("date -u '+%Y-%m-%d %H:%M UTC'"), "nproc": os.cpu_count(), "cpu": cpu,
    "mem": f"{mem / 1048576:.0f} GiB", "kernel": platform.release(), "loadavg": open("/proc/loadavg").read().split()[:3],
    "haproxy": first("haproxy -v").replace(" - https://haproxy.org/", ""), "nginx": first("nginx -v"),
    "wrk": " ".join(first("wrk -v").split()[:2]), "redis": " ".join(first("redis-server --version").split()[:3]),
    "memcached": first("memcached -V"), "swift": first("swift --version 2>&1 | grep -i 'swift version'"),
    "commit": first("git -C '$ROOT' describe --always --dirty"), "duration": $DURATION, "rounds": $ROUNDS,
}
meta["loadavg"] = " ".join(meta["loadavg"])
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(meta) + "\n")
EOF

# ---------------------------------------------------------------------------------------------------------------
# 7. Each target learns its own 10,000 sessions from responses that pass through it.
store_stats() { "${TOOL[@]}" "$1" "$2"; }
for target in "${TARGETS[@]}"; do
    case $target in
        sp-redis) redis_before=$(store_stats redis "$REDIS_PORT") ;;
        sp-memcached) memcached_before=$(store_stats memcached "$MEMCACHED_PORT") ;;
    esac
    result=$("${TOOL[@]}" learn "${PORT[$target]}" "$WORK/$target.cookies" --count "$SESSIONS") ||
        die "$target: learning sessions failed: $result"
    LEARN_SECONDS[$target]=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$result")
    log "$target learned: $result"
    case $target in
        sp-redis)
            sleep 0.5 # writes that outlived the store deadline finish in the background
            printf '{"kind":"store","store":"redis","before":%s,"after":%s}\n' "$redis_before" \
                "$(store_stats redis "$REDIS_PORT")" >>"$JSONL" ;;
        sp-memcached)
            sleep 0.5
            printf '{"kind":"store","store":"memcached","before":%s,"after":%s}\n' "$memcached_before" \
                "$(store_stats memcached "$MEMCACHED_PORT")" >>"$JSONL" ;;
    esac
    alive "$target"
done

# ---------------------------------------------------------------------------------------------------------------
# 8. Warm-up, then interleaved rounds (round 1 over every target, then round 2, ...) so that noise from anything
#    else on the machine spreads over all targets instead of hitting one.
ALL_PIDS=$(IFS=,; echo "${PIDS[*]}")
run_wrk() { # target seconds output-file: wrk under benchtool.py measure, which adds CPU accounting
    local target_pid=${PID[$1]:-$PID_web1} store_pid=-
    case $1 in sp-redis) store_pid=$PID_redis ;; sp-memcached) store_pid=$PID_memcached ;; esac
    "${TOOL[@]}" measure "$3" "$target_pid" "$store_pid" "$ALL_PIDS" -- \
        wrk -t1 -c64 -d"$2s" --timeout 5s --latency -s "$LUA" "http://127.0.0.1:${PORT[$1]}/" -- "$WORK/$1.cookies"
}
for target in "${TARGETS[@]}"; do
    log "warming up $target (${WARMUP}s)"
    run_wrk "$target" "$WARMUP" "$WORK/$target.warmup.txt" >/dev/null || die "wrk failed on $target"
    alive "$target"
done
for round in $(seq 1 "$ROUNDS"); do
    for target in "${TARGETS[@]}"; do
        out="$WORK/$target.run$round.txt"
        json=$(run_wrk "$target" "$DURATION" "$out") || { cat "$out" >&2; die "wrk failed on $target"; }
        printf '{"kind":"run","target":"%s","round":%d,%s\n' "$target" "$round" "${json#\{}" >>"$JSONL"
        alive "$target"
        log "round $round/$ROUNDS $target: $("${TOOL[@]}" summary "$json")"
    done
done

# ---------------------------------------------------------------------------------------------------------------
# 9. Peak RSS after learning and load, and whether sessions still reach their backends.
for target in "${TARGETS[@]}"; do
    if [ -n "${PID[$target]}" ]; then
        VMHWM[$target]=$(awk '/^VmHWM:/ { print $2 * 1024 }' "/proc/${PID[$target]}/status")
    fi
    STICKY[$target]=$("${TOOL[@]}" check "${PORT[$target]}" "$WORK/$target.cookies")
    log "$target sticky check: ${STICKY[$target]}"
done
for target in "${TARGETS[@]}"; do
    python3 - "$JSONL" "$target" "${LABEL[$target]}" "${CHART[$target]}" "${VMHWM[$target]:-}" \
        "${STICKY[$target]}" "${LEARN_SECONDS[$target]}" <<'EOF'
import json, sys
path, name, label, chart, hwm, sticky, learn = sys.argv[1:]
sticky = json.loads(sticky)
with open(path, "a") as f:
    f.write(json.dumps({"kind": "target", "name": name, "label": label, "chart": chart,
                        "has_store": name in ("sp-redis", "sp-memcached"),
                        "vmhwm": int(hwm) if hwm else None, "sticky": sticky["sticky"], "checked": sticky["checked"],
                        "learn_seconds": float(learn)}) + "\n")
EOF
done

# ---------------------------------------------------------------------------------------------------------------
# 10. RSS while holding idle keep-alive client connections.
for target in sp-memory haproxy; do
    count=$IDLE_CONNECTIONS
    if [ "$target" = haproxy ] && [ "$count" -gt $((HAPROXY_MAXCONN - 100)) ]; then
        count=$((HAPROXY_MAXCONN - 100))
        note "HAProxy's maxconn is $HAPROXY_MAXCONN (open-file limit $NOFILE, 2 per connection): it held $count idle connections"
    fi
    log "holding $count idle connections to $target"
    result=$("${TOOL[@]}" idle "${PORT[$target]}" "${PID[$target]}" --count "$count" \
        --cookies "$WORK/$target.cookies") || die "idle-connection test failed on $target"
    log "$target: $result"
    printf '{"kind":"idle","target":"%s","label":"%s",%s\n' "$target" "${LABEL[$target]}" "${result#\{}" >>"$JSONL"
    alive "$target"
done

# ---------------------------------------------------------------------------------------------------------------
# 11. Report and chart.
note "full run took $(($(date +%s) - STARTED_AT)) s (build included); raw wrk output and logs are in bench/work/run/"
"${TOOL[@]}" report "$JSONL" "$RESULTS/latest.md" "$WORK/chart.dat"
terminal=pngcairo
gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo || terminal=png
gnuplot -e "datafile='$WORK/chart.dat'; outfile='$RESULTS/latest.png'; term='$terminal'; \
    title='sticky-proxy vs HAProxy stick table — $(date -u +%Y-%m-%d), $(nproc) cores shared by client, proxy and backends'" \
    "$ROOT/bench/chart.gp" || die "gnuplot failed"
echo
cat "$RESULTS/latest.md"
echo
log "wrote $RESULTS/latest.md and $RESULTS/latest.png in $(($(date +%s) - STARTED_AT)) s"
