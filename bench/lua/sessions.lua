-- wrk script: every request carries one of the learned session cookies, rotating over all of them.
-- Usage: wrk ... -s bench/lua/sessions.lua URL -- COOKIE_FILE
-- COOKIE_FILE has one "COOKIE_VALUE BACKEND_NAME" line per session (written by benchtool.py learn).
-- At the end it prints one line "BENCH_JSON {...}" that run.sh reads (latencies in microseconds).

local requests = {}
local index = 0

function init(args)
    local path = args[1]
    if not path then
        error("sessions.lua: pass the cookie file after --")
    end
    for line in io.lines(path) do
        local value = line:match("^(%S+)")
        if value then
            -- prebuilt once, so that request() costs next to nothing
            requests[#requests + 1] = wrk.format("GET", "/", { ["Host"] = wrk.host, ["Cookie"] = "JSESSIONID=" .. value })
        end
    end
    if #requests == 0 then
        error("sessions.lua: no cookies in " .. path)
    end
    index = math.random(#requests) - 1
end

function request()
    index = index % #requests + 1
    return requests[index]
end

function done(summary, latency, requests_stats)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
        '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        e.connect, e.read, e.write, e.status, e.timeout))
end
