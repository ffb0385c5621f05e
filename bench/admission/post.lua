-- wrk script: an admitted applicant submitting, over and over: POST to
-- the URL's path (one new row per answered request), with the session
-- and admission cookies and the CSRF header; the body is the given
-- prefix and a unique suffix.  Every answer counted by status; the run
-- compares the answers with the rows that appeared.
-- Usage: wrk ... -s post.lua URL -- cookie csrf run-id body-prefix
local threads = {}
local id = 0

function setup(thread)
    id = id + 1
    thread:set("tid", id)
    table.insert(threads, thread)
end

function init(args)
    cookie, csrf, run, prefix = args[1], args[2], args[3], args[4]
    n, answered, created, err5, other = 0, 0, 0, 0, 0
end

function request()
    n = n + 1
    local body = string.format("%sbench-%s-%d-%d", prefix, run, tid, n)
    return wrk.format("POST", nil,
                      { ["Cookie"] = cookie, ["X-CSRF-Token"] = csrf,
                        ["Content-Type"] = "application/x-www-form-urlencoded" },
                      body)
end

function response(status, headers, body)
    answered = answered + 1
    if status == 200 or status == 201 then created = created + 1
    elseif status >= 500 then err5 = err5 + 1
    else other = other + 1 end
end

function done(summary, latency, requests)
    local t = { answered = 0, created = 0, err5 = 0, other = 0 }
    for _, th in ipairs(threads) do
        for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    end
    io.write(string.format(
        "RESULT label=post answered=%d created=%d err5=%d other=%d " ..
        "p50_ms=%.1f p99_ms=%.1f errors=%d\n", t.answered, t.created,
        t.err5, t.other, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000,
        summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout))
end
