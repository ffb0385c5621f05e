-- wrk script: GET one dynamic page, optionally with a cookie, and count
-- answers by status so the run can report goodput, 5xx and waiting-room
-- answers.  Usage: wrk ... -s count.lua URL -- [cookie] [label]
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    cookie = args[1]
    label = args[2] or "run"
    ok, waiting, limited, err5, other = 0, 0, 0, 0, 0
    if cookie and cookie ~= "" and cookie ~= "-" then
        wrk.headers["Cookie"] = cookie
    end
end

function response(status, headers, body)
    if status == 200 then ok = ok + 1
    elseif status == 503 and headers["Retry-After"] then waiting = waiting + 1
    elseif status == 429 then limited = limited + 1
    elseif status >= 500 then err5 = err5 + 1
    else other = other + 1 end
end

function done(summary, latency, requests)
    local t = {ok = 0, waiting = 0, limited = 0, err5 = 0, other = 0}
    for _, th in ipairs(threads) do
        for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    end
    local secs = summary.duration / 1e6
    io.write(string.format(
        "RESULT label=%s ok_per_sec=%.1f waiting=%d limited=%d err5=%d " ..
        "other=%d p50_ms=%.1f p99_ms=%.1f errors=%d timeouts=%d\n",
        threads[1]:get("label"), t.ok / secs, t.waiting, t.limited, t.err5,
        t.other, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.connect + summary.errors.read + summary.errors.write,
        summary.errors.timeout))
end
