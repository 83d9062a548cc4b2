#!/usr/bin/env python3
"""Helpers for scripts/bench/run.sh (standard library only).

  ports N                       N free loopback TCP ports, one line
  learn PORT OUT [--count N]    start N sessions through GET /login; OUT gets "COOKIE BACKEND" lines
  check PORT COOKIES            replay a sample of the sessions; report how many reached their backend
  idle PORT PID [--count N]     hold N idle keep-alive client connections; report the RSS of PID
  load PORT COOKIES [--requests N] [--connections C]
                                exactly N requests (GET / rotating over the sessions) over C keep-alive
                                connections, one in flight on each (scripts/bench/profile.sh)
  redis PORT                    used_memory, dbsize and MEMORY USAGE of one sticky: key
  memcached PORT                stats and stats slabs
  status PID                    VmHWM and VmRSS of a process
  measure OUT TPIDS SPIDS PIDS -- CMD
                                run wrk (CMD), output to OUT; add CPU use of the target (TPIDS), of its store
                                (SPIDS), of all our daemons (PIDS), of wrk, and of everything else (comma lists,
                                "-" for none)
  summary BENCH_JSON            one line for the log from wrk's result (not JSON)
  report JSONL MD DAT           the results table (Markdown) and the chart's data file

Every command prints one JSON object on stdout (except report).
"""

import asyncio
import json
import os
import random
import re
import resource
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) * 1024  # kB -> bytes
    return out


# ---------------------------------------------------------------------------------------------- ports

def cmd_ports(args):
    count = int(args[0])
    avoid = {80, 443, 6379, 8080, 9090, 11211}
    held, ports = [], []
    while len(ports) < count:
        s = socket.socket()
        s.bind((HOST, 0))
        port = s.getsockname()[1]
        held.append(s)
        if port not in avoid and port not in ports:
            ports.append(port)
    print(" ".join(map(str, ports)))


# ------------------------------------------------------------------------------------- a tiny client

async def read_response(reader):
    """Reads one HTTP/1.1 response; returns (status, headers as list of (lower name, value), body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
    hdict = {}
    for name, value in headers:
        hdict.setdefault(name, value)
    if "chunked" in hdict.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    else:
        body = await reader.readexactly(int(hdict.get("content-length", "0")))
    return status, headers, body


def request_bytes(path, cookie=None):
    req = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    if cookie:
        req += f"Cookie: JSESSIONID={cookie}\r\n"
    return (req + "\r\n").encode()


COOKIE_RE = re.compile(r"^JSESSIONID=([^;]*)")


# -------------------------------------------------------------------------------------------- learn

async def learn(port, count, conns):
    results = []
    errors = []
    per_conn = [count // conns + (1 if i < count % conns else 0) for i in range(conns)]

    async def worker(n):
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for _ in range(n):
                writer.write(request_bytes("/login"))
                status, headers, body = await read_response(reader)
                cookie = None
                for name, value in headers:
                    m = COOKIE_RE.match(value) if name == "set-cookie" else None
                    if m:
                        cookie = m.group(1)
                if status != 200 or not cookie:
                    errors.append(f"status {status}, cookie {cookie!r}")
                    continue
                results.append((cookie, body.decode().strip()))
        finally:
            writer.close()

    start = time.monotonic()
    await asyncio.gather(*(worker(n) for n in per_conn if n))
    return results, errors, time.monotonic() - start


def cmd_learn(args):
    port, out = int(args[0]), args[1]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 10000
    results, errors, seconds = asyncio.run(learn(port, count, 32))
    cookies = {c for c, _ in results}
    with open(out, "w") as f:
        for cookie, backend in results:
            f.write(f"{cookie} {backend}\n")
    backends = {}
    for _, b in results:
        backends[b] = backends.get(b, 0) + 1
    print(json.dumps({"learned": len(results), "unique": len(cookies), "errors": len(errors),
                      "first_error": errors[0] if errors else None, "seconds": round(seconds, 2),
                      "backends": backends}))
    if errors or len(cookies) != count:
        sys.exit(1)


# -------------------------------------------------------------------------------------------- check

async def check(port, sample):
    reader, writer = await asyncio.open_connection(HOST, port)
    good, bad = 0, []
    for cookie, expected in sample:
        writer.write(request_bytes("/", cookie))
        status, _, body = await read_response(reader)
        got = body.decode().strip()
        if status == 200 and got == expected:
            good += 1
        else:
            bad.append(f"{expected}->{status}:{got}")
    writer.close()
    return good, bad


def cmd_check(args):
    port, path = int(args[0]), args[1]
    with open(path) as f:
        sessions = [tuple(line.split()) for line in f if line.strip()]
    sample = random.Random(7).sample(sessions, min(500, len(sessions)))
    good, bad = asyncio.run(check(port, sample))
    print(json.dumps({"checked": len(sample), "sticky": good, "examples": bad[:3]}))


# --------------------------------------------------------------------------------------------- idle

async def idle(port, pid, count, cookies):
    sem = asyncio.Semaphore(64)  # few requests in flight, so the proxy's upstream pool stays small
    streams, failures = [], []

    async def one(i):
        async with sem:
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
                writer.write(request_bytes("/", cookies[i % len(cookies)] if cookies else None))
                status, _, _ = await read_response(reader)
                if status != 200:
                    failures.append(f"status {status}")
                streams.append((reader, writer))
            except Exception as e:  # noqa: BLE001 - counted and reported
                failures.append(repr(e))

    before = proc_status(pid)["VmRSS"]
    start = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(count)))
    opened = time.monotonic() - start
    await asyncio.sleep(2)
    # still open? a closed connection reads EOF at once
    closed = 0
    for reader, _ in streams:
        if reader.at_eof():
            closed += 1
    during = proc_status(pid)
    for _, writer in streams:
        writer.close()
    return {"connections": len(streams), "failures": len(failures),
            "first_failure": failures[0] if failures else None, "closed_by_peer": closed,
            "rss_before": before, "rss_with_connections": during["VmRSS"],
            "bytes_per_connection": round((during["VmRSS"] - before) / max(1, len(streams))),
            "open_seconds": round(opened, 2)}


def cmd_idle(args):
    port, pid = int(args[0]), int(args[1])
    count = int(args[args.index("--count") + 1]) if "--count" in args else 10000
    cookies = None
    if "--cookies" in args:
        with open(args[args.index("--cookies") + 1]) as f:
            cookies = [line.split()[0] for line in f if line.strip()]
    limit = raise_nofile()
    if limit < count + 100:
        count = limit - 100
    result = asyncio.run(idle(port, pid, count, cookies))
    print(json.dumps(result))


# --------------------------------------------------------------------------------------------- load

async def load(port, cookies, requests, conns):
    per_conn = [requests // conns + (1 if i < requests % conns else 0) for i in range(conns)]
    prebuilt = [request_bytes("/", c) for c in cookies] or [request_bytes("/")]
    failures = []

    async def worker(index, n):
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            for i in range(n):
                writer.write(prebuilt[(index + i * conns) % len(prebuilt)])
                status, _, _ = await read_response(reader)
                if status != 200:
                    failures.append(status)
        finally:
            writer.close()

    start = time.monotonic()
    await asyncio.gather(*(worker(i, n) for i, n in enumerate(per_conn) if n))
    return failures, time.monotonic() - start


def cmd_load(args):
    port, path = int(args[0]), args[1]
    requests = int(args[args.index("--requests") + 1]) if "--requests" in args else 10000
    conns = int(args[args.index("--connections") + 1]) if "--connections" in args else 16
    with open(path) as f:
        cookies = [line.split()[0] for line in f if line.strip()]
    failures, seconds = asyncio.run(load(port, cookies, requests, conns))
    print(json.dumps({"requests": requests, "non_200": len(failures), "seconds": round(seconds, 2),
                      "rps": round(requests / seconds, 1)}))
    if failures:
        sys.exit(1)


# ----------------------------------------------------------------------------------- store servers

def resp_command(sock_file, sock, *parts):
    out = f"*{len(parts)}\r\n" + "".join(f"${len(p.encode())}\r\n{p}\r\n" for p in parts)
    sock.sendall(out.encode())
    return resp_read(sock_file)


def resp_read(f):
    line = f.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if kind == b"*":
        return [resp_read(f) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected RESP {line!r}")


def cmd_redis(args):
    sock = socket.create_connection((HOST, int(args[0])))
    f = sock.makefile("rb")
    info = resp_command(f, sock, "INFO", "memory")
    used = int(re.search(r"used_memory:(\d+)", info).group(1))
    dbsize = resp_command(f, sock, "DBSIZE")
    key, usage, ttl, value = None, None, None, None
    if dbsize:
        cursor = "0"
        while True:
            cursor, keys = resp_command(f, sock, "SCAN", cursor, "MATCH", "sticky:*", "COUNT", "1000")
            if keys:
                key = keys[0]
                break
            if cursor == "0":
                break
        if key:
            usage = resp_command(f, sock, "MEMORY", "USAGE", key, "SAMPLES", "0")
            ttl = resp_command(f, sock, "TTL", key)
            value = resp_command(f, sock, "GET", key)
    sock.close()
    print(json.dumps({"used_memory": used, "dbsize": dbsize, "key_length": len(key) if key else None,
                      "value": value, "ttl": ttl, "memory_usage": usage}))


def memcached_stats(sock, f, sub=""):
    sock.sendall(f"stats {sub}\r\n".strip().encode() + b"\r\n")
    out = {}
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if line == "END" or not line:
            return out
        _, name, value = line.split(" ", 2)
        out[name] = value


def cmd_memcached(args):
    sock = socket.create_connection((HOST, int(args[0])))
    f = sock.makefile("rb")
    stats = memcached_stats(sock, f)
    slabs = memcached_stats(sock, f, "slabs")
    sock.close()
    classes = {}
    for name, value in slabs.items():
        if ":" in name:
            cls, field = name.split(":", 1)
            classes.setdefault(cls, {})[field] = int(value)
    used = {c: v for c, v in classes.items() if v.get("used_chunks", 0) > 0}
    print(json.dumps({"curr_items": int(stats["curr_items"]), "bytes": int(stats["bytes"]),
                      "hash_bytes": int(stats.get("hash_bytes", 0)),
                      "total_malloced": int(slabs.get("total_malloced", 0)),
                      "slab_classes_used": {c: {"chunk_size": v["chunk_size"], "used_chunks": v["used_chunks"]}
                                            for c, v in used.items()}}))


def cmd_summary(args):
    r = json.loads(args[0])
    errors = sum(r[k] for k in r if k.startswith("err_"))
    print(f"{r['rps']:,.0f} req/s, p50 {r['p50_us'] / 1000:.2f} ms, p99 {r['p99_us'] / 1000:.2f} ms, {errors} errors; "
          f"target CPU {r['target_us_per_request']:.0f} µs/request, wrk {r['client_cpu_s'] / r['elapsed_s']:.2f} cores, "
          f"others {r['other_cores']:.2f} cores")


def busy_jiffies():
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    return sum(int(x) for x in fields[:3])  # user nice system; irq, softirq, steal left out on purpose


def tree_jiffies(pids):
    """utime+stime of the given processes and of their direct children (nginx workers), in clock ticks."""
    pids = set(pids)
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        pid, ppid = int(entry), int(fields[1])
        if pid in pids or ppid in pids:
            total += int(fields[11]) + int(fields[12])
    return total


def cmd_measure(args):
    import subprocess
    out_path = args[0]
    command = args[args.index("--") + 1:]
    parse = lambda s: [int(p) for p in s.split(",") if p.isdigit()]
    target_pids, store_pids, all_pids = parse(args[1]), parse(args[2]), parse(args[3])
    tick = os.sysconf("SC_CLK_TCK")
    t0, busy0, tgt0, ours0 = time.monotonic(), busy_jiffies(), tree_jiffies(target_pids), tree_jiffies(all_pids)
    store0 = tree_jiffies(store_pids)
    with open(out_path, "w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    t1, busy1, tgt1, ours1 = time.monotonic(), busy_jiffies(), tree_jiffies(target_pids), tree_jiffies(all_pids)
    store1 = tree_jiffies(store_pids)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{command[0]} exited with status {os.waitstatus_to_exitcode(status)}")
    result = None
    for line in open(out_path):
        if line.startswith("BENCH_JSON "):
            result = json.loads(line.split(" ", 1)[1])
    if result is None:
        sys.exit(f"no BENCH_JSON line in {out_path}")
    elapsed = t1 - t0
    client = usage.ru_utime + usage.ru_stime
    target = (tgt1 - tgt0) / tick
    ours = (ours1 - ours0) / tick
    other = max(0.0, (busy1 - busy0) / tick - ours - client)
    store = (store1 - store0) / tick
    result.update({"elapsed_s": round(elapsed, 3), "target_cpu_s": round(target, 2), "ours_cpu_s": round(ours, 2),
                   "store_cpu_s": round(store, 2), "store_us_per_request": round(store * 1e6 / max(1, result["requests"]), 1),
                   "client_cpu_s": round(client, 2), "other_cpu_s": round(other, 2),
                   "target_us_per_request": round(target * 1e6 / max(1, result["requests"]), 1),
                   "other_cores": round(other / elapsed, 2)})
    print(json.dumps(result))


def cmd_status(args):
    print(json.dumps(proc_status(int(args[0]))))


# ------------------------------------------------------------------------------------------- report

def human_bytes(n):
    if n is None:
        return "—"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def ms(us):
    return f"{us / 1000:.2f} ms"


def cmd_report(args):
    jsonl, md_path, dat_path = args
    records = [json.loads(line) for line in open(jsonl) if line.strip()]
    meta = next(r for r in records if r["kind"] == "meta")
    targets = [r for r in records if r["kind"] == "target"]
    runs = [r for r in records if r["kind"] == "run"]
    rows = []
    for t in targets:
        mine = sorted((r for r in runs if r["target"] == t["name"]), key=lambda r: r["rps"])
        if not mine:
            continue
        median_run = mine[len(mine) // 2]  # the run with the median req/s: its latencies go with it
        errors = sum(r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"]
                     for r in mine)
        rows.append({"name": t["name"], "label": t["label"], "chart": t["chart"],
                     "cpu_us": statistics.median(r["target_us_per_request"] for r in mine),
                     "store_us": statistics.median(r["store_us_per_request"] for r in mine) if t.get("has_store") else None,
                     "other": statistics.mean(r["other_cores"] for r in mine),
                     "client": statistics.mean(r["client_cpu_s"] / r["elapsed_s"] for r in mine),
                     "rps": statistics.median(r["rps"] for r in mine),
                     "rps_min": mine[0]["rps"], "rps_max": mine[-1]["rps"],
                     "p50": median_run["p50_us"], "p99": median_run["p99_us"], "hwm": t.get("vmhwm"),
                     "errors": errors, "sticky": t.get("sticky"), "checked": t.get("checked"),
                     "learn_s": t.get("learn_seconds")})
    haproxy = next((r for r in rows if r["name"] == "haproxy"), None)

    out = []
    w = out.append
    w(f"# sticky-proxy benchmark — {meta['date']}")
    w("")
    w(f"- machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['mem']} RAM, Linux {meta['kernel']}; "
      f"load average before the run: {meta['loadavg']}")
    w(f"- versions: {meta['haproxy']}, {meta['nginx']}, {meta['wrk']}, {meta['redis']}, {meta['memcached']}, "
      f"{meta['swift']}")
    w(f"- sticky-proxy: release build of `{meta['commit']}`, `STICKY_THREADS` unset (one event loop per core), "
      f"HAProxy `nbthread 2`, nginx backends one worker each")
    w(f"- load: `wrk -t1 -c64 -d{meta['duration']}s` rotating over 10,000 learned `JSESSIONID` cookies, "
      f"{meta['rounds']} runs per target (interleaved over targets), median shown; "
      f"client, proxy, backends and store share the same {meta['nproc']} cores")
    w("")
    w("| target | req/s (median) | req/s min–max | p50 | p99 | vs HAProxy | peak RSS (VmHWM) | CPU per request | sticky check | errors |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        ratio = f"{r['rps'] / haproxy['rps']:.2f}×" if haproxy else "—"
        sticky = f"{r['sticky']}/{r['checked']}" if r["checked"] else "—"
        cpu = f"{r['cpu_us']:.0f} µs"
        if r["store_us"] is not None:
            cpu += f" + {r['store_us']:.0f} µs store"
        w(f"| {r['label']} | {r['rps']:,.0f} | {r['rps_min']:,.0f}–{r['rps_max']:,.0f} | {ms(r['p50'])} | "
          f"{ms(r['p99'])} | {ratio} | {human_bytes(r['hwm'])} | {cpu} | {sticky} | {r['errors']} |")
    w("")
    w("*CPU per request*: user+system CPU time of the target process (for nginx, its worker) over a run, divided by "
      "the requests served, median of the runs; for Redis and memcached, the store server's CPU is added after `+`. "
      "It depends much less on the machine's other load than req/s does. "
      "*sticky check*: after the runs, 500 of the learned sessions are replayed one by one; the count is how many "
      "reached the backend that started them (the bare backend is always web1). *errors*: wrk's socket errors and "
      "non-2xx answers over all runs. Peak RSS is `VmHWM` after learning and load, before the idle-connection test.")
    w("")
    w("CPU used by processes outside the benchmark during the runs (mean, in cores; should be near 0): "
      + ", ".join(f"{r['label']} {r['other']:.2f}" for r in rows) + ". wrk itself used "
      + ", ".join(f"{r['client']:.2f}" for r in rows) + " cores.")
    w("")
    learn_bits = [f"{r['label']} {r['learn_s']:.1f} s" for r in rows if r.get("learn_s") is not None]
    if learn_bits:
        w(f"Learning 10,000 sessions (`GET /login`, 32 connections, a Python client, so client-bound): "
          + ", ".join(learn_bits) + ".")
        w("")

    stores = {r["store"]: r for r in records if r["kind"] == "store"}
    w("## Bytes per mapping")
    w("")
    if "redis" in stores:
        s = stores["redis"]
        delta = s["after"]["used_memory"] - s["before"]["used_memory"]
        keys = s["after"]["dbsize"] - s["before"]["dbsize"]
        w(f"- **Redis**: `MEMORY USAGE` of one mapping (key of {s['after']['key_length']} bytes, value "
          f"`{s['after']['value']}`, TTL {s['after']['ttl']} s): **{s['after']['memory_usage']} bytes**; "
          f"`used_memory` grew by {delta:,} bytes for {keys:,} keys: **{delta / max(1, keys):.0f} bytes per mapping** "
          f"(≈ {(1 << 30) / max(1, delta / max(1, keys)) / 1e6:.1f} M sessions per GiB).")
    if "memcached" in stores:
        s = stores["memcached"]
        items = s["after"]["curr_items"] - s["before"]["curr_items"]
        dbytes = s["after"]["bytes"] - s["before"]["bytes"]
        dmalloc = s["after"]["total_malloced"] - s["before"]["total_malloced"]
        chunks = ", ".join(f"{v['used_chunks']:,} items in {v['chunk_size']}-byte chunks (class {c})"
                           for c, v in s["after"]["slab_classes_used"].items())
        w(f"- **memcached**: {items:,} items; `bytes` grew by {dbytes:,}: **{dbytes / max(1, items):.0f} bytes per "
          f"item**; slabs: {chunks}; `total_malloced` grew by {dmalloc:,} bytes (whole 1 MiB slab pages, so "
          f"{dmalloc / max(1, items):.0f} bytes per item at this size); the hash table ({human_bytes(s['after']['hash_bytes'])}) "
          f"is preallocated and not counted.")
    w("")

    idle = [r for r in records if r["kind"] == "idle"]
    if idle:
        w("## Idle keep-alive client connections")
        w("")
        w("| target | connections held | RSS before | RSS with them | per connection | failures |")
        w("|---|---:|---:|---:|---:|---:|")
        for r in idle:
            w(f"| {r['label']} | {r['connections']:,} (closed by peer: {r['closed_by_peer']}) | "
              f"{human_bytes(r['rss_before'])} | {human_bytes(r['rss_with_connections'])} | "
              f"{r['bytes_per_connection']:,} B | {r['failures']} |")
        w("")
        w("Each connection sent one request (64 at a time, so the backend pools stay small), read the answer, then "
          "stayed open and idle; RSS (`VmRSS`) is read 2 s after the last one opened.")
        w("")
    notes = [r["text"] for r in records if r["kind"] == "note"]
    if notes:
        w("## Notes")
        w("")
        for n in notes:
            w(f"- {n}")
        w("")
    with open(md_path, "w") as f:
        f.write("\n".join(out))
    with open(dat_path, "w") as f:
        f.write("# label rps rps_min rps_max p50_ms p99_ms hwm_mib cpu_us_per_request\n")
        for r in rows:
            f.write(f"\"{r['chart']}\" {r['rps']:.0f} {r['rps_min']:.0f} {r['rps_max']:.0f} {r['p50'] / 1000:.3f} "
                    f"{r['p99'] / 1000:.3f} {(r['hwm'] or 0) / (1 << 20):.1f} {r['cpu_us'] + (r['store_us'] or 0):.1f}\n")


COMMANDS = {"ports": cmd_ports, "learn": cmd_learn, "check": cmd_check, "idle": cmd_idle, "load": cmd_load, "redis": cmd_redis,
            "memcached": cmd_memcached, "status": cmd_status, "summary": cmd_summary, "measure": cmd_measure, "report": cmd_report}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        sys.exit(130)
