-- wrk script: new visitors who behave like a browser with queue.js.
-- Run it with one connection per thread (wrk -tN -cN): wrk keeps one Lua
-- state per thread, so each connection is one visitor with its own
-- cookie jar.
--
-- A visitor asks for the page.  Sent to the waiting room (503 with
-- Retry-After and a jszg_qt ticket cookie), it keeps the ticket and polls
-- GET /api/v1/queue every retry_after seconds, as queue.js does; when
-- told "admitted" it has the jszg_adm cookie and reads VISIT pages, then
-- leaves (drops its cookies) and comes back at once as a new visitor.
-- A 503 without Retry-After (mod_qos) is a visitor pressing F5 a second
-- later.  After a 503 page (httpd closes the connection after a 503) the
-- browser fetches the page's script at once on a new connection, which
-- then stays open (keep-alive) while it waits: wrk reconnects as soon as
-- a connection is closed, and a new connection sitting idle would hold
-- an httpd worker thread, which no browser does.
-- Usage: wrk -tN -cN -s arrive.lua URL -- [visit] [label]
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    visit = tonumber(args[1]) or 20
    label = args[2] or "new"
    page = wrk.path
    jar = {}
    state = "arrive"            -- arrive | wait | visit
    left = 0
    pause = 0
    asset = false               -- fetch the page's script next
    asset_pause = 0
    ok, waiting, polls, turned, err5, other, visits = 0, 0, 0, 0, 0, 0, 0
end

local function cookies()
    local c = {}
    for k, v in pairs(jar) do c[#c + 1] = k .. "=" .. v end
    return table.concat(c, "; ")
end

function request()
    local h = {}
    local c = cookies()
    if c ~= "" then h["Cookie"] = c end
    if asset then
        return wrk.format("GET", "/static/js/queue.js", h)
    end
    if state == "wait" then
        h["Accept"] = "application/json"
        return wrk.format("GET", "/api/v1/queue", h)
    end
    return wrk.format("GET", page, h)
end

function delay()
    local d = pause
    pause = 0
    return d
end

-- wrk joins repeated headers with ", " (http_parser keeps the last one
-- on some builds): take every jszg_ cookie from whatever is there.
local function keep_cookies(headers)
    for name, value in pairs(headers) do
        if string.lower(name) == "set-cookie" then
            for k, v in string.gmatch(value, "(jszg_%w+)=([^;,%s]*)") do
                jar[k] = v
            end
        end
    end
end

local function retry_after(headers, body, default)
    local ra = headers["Retry-After"] or headers["retry-after"]
    local j = body and string.match(body, '"retry_after":%s*(%d+)')
    return (tonumber(j) or tonumber(ra) or default) * 1000
end

local function admitted()
    state = "visit"
    left = visit
    visits = visits + 1
end

function response(status, headers, body)
    keep_cookies(headers)
    if asset then
        asset = false
        pause = asset_pause
        return
    end
    if state == "wait" then
        polls = polls + 1
        if status == 200 and string.find(body, '"admitted"', 1, true) then
            admitted()
        elseif status >= 500 and not string.find(body, '"queued"', 1, true)
        then
            err5 = err5 + 1
            asset = true
            asset_pause = 1000
        else
            pause = retry_after(headers, body, 3)
        end
        return
    end
    if status == 200 then
        ok = ok + 1
        if state == "arrive" then
            admitted()
        end
        left = left - 1
        if left <= 0 then       -- the visit is over: a new visitor
            jar = {}
            state = "arrive"
        end
    elseif status == 503 and (jar["jszg_qt"] or headers["Retry-After"])
    then
        waiting = waiting + 1   -- the waiting room
        asset = true
        if jar["jszg_qt"] then
            state = "wait"
            asset_pause = 3000  -- queue.js's first poll
        else
            asset_pause = retry_after(headers, nil, 1)
        end
    elseif status == 503 then
        turned = turned + 1     -- turned away: F5 a second later
        asset = true
        asset_pause = 1000
    elseif status >= 500 then
        err5 = err5 + 1
        asset = true
        asset_pause = 1000
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local t = {ok = 0, waiting = 0, polls = 0, turned = 0, err5 = 0,
               other = 0, visits = 0}
    for _, th in ipairs(threads) do
        for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    end
    local secs = summary.duration / 1e6
    io.write(string.format(
        "RESULT label=%s ok_per_sec=%.1f waiting=%d polls=%d turned=%d " ..
        "err5=%d other=%d visits=%d errors=%d timeouts=%d\n",
        threads[1]:get("label"), t.ok / secs, t.waiting, t.polls, t.turned,
        t.err5,
        t.other, t.visits,
        summary.errors.connect + summary.errors.read + summary.errors.write,
        summary.errors.timeout))
end
