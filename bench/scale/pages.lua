-- wrk script: logged-in GETs.  The file named by the first argument holds
-- one request per line, "cookie<TAB>path" (cookie "-": none); every
-- request picks a line at
-- random (so each connection moves through many users).  Prints a RESULT
-- line with p50/p99 (ms), rate and answers by status class.
-- Usage: wrk ... -s pages.lua http://host:port -- file label
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    label = args[2] or "run"
    reqs = {}
    for line in io.lines(args[1]) do
        local c, p = line:match("^([^\t]*)\t(.*)$")
        if c then
            local h = {}
            if c ~= "-" then h["Cookie"] = c end
            table.insert(reqs, wrk.format("GET", p, h))
        end
    end
    math.randomseed(os.time() + #threads)
    ok, redir, err4, err5 = 0, 0, 0, 0
end

function request()
    return reqs[math.random(#reqs)]
end

function response(status, headers, body)
    if status == 200 then ok = ok + 1
    elseif status < 400 then redir = redir + 1
    elseif status < 500 then err4 = err4 + 1
    else err5 = err5 + 1 end
end

function done(summary, latency, requests)
    local t = { ok = 0, redir = 0, err4 = 0, err5 = 0 }
    for _, th in ipairs(threads) do
        for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    end
    io.write(string.format(
        "RESULT label=%s rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f " ..
        "max_ms=%.1f ok=%d redir=%d err4=%d err5=%d sockerr=%d\n",
        threads[1]:get("label"), summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        t.ok, t.redir, t.err4, t.err5,
        summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout + summary.errors.status * 0))
end
