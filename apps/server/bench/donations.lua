-- wrk script of the donations bench: the same request chain as donations-load.ts (autocannon),
-- driven by wrk (C, one event loop per thread), which costs far less CPU per request. Run by
-- donations.bench.ts (bench/donations-wrk.ts) as
--
--   wrk -t C -c C -d S --timeout 30s -s donations.lua http://127.0.0.1:PORT -- PROJECT_ID RUN_TAG
--
-- with as many threads as connections: wrk tells a script neither which connection a request
-- goes out on nor which one an answer came back on, so the chain (create, then pay with the
-- token from its answer) and the per-kind latencies are kept per thread, one connection each.
--
--   create  POST /api/projects/:id/donations, a new Idempotency-Key, 1.00 to 500.00 yuan
--   pay     POST /api/payments/sandbox/:donationId/pay with the create answer's token
--
-- Only a pay answer whose outcome is `credited` counts. done() prints one line,
-- `GOODTRACE_RESULT {json}`: per-kind latencies (ms) and status counts, outcomes, created,
-- credited and their sum in fen, socket errors, and wrk's own CPU seconds (getrusage).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } gt_timespec;
  int clock_gettime(int clk_id, gt_timespec *tp);
  typedef struct { long tv_sec; long tv_usec; } gt_timeval;
  typedef struct { gt_timeval ru_utime; gt_timeval ru_stime; long ru_other[14]; } gt_rusage;
  int getrusage(int who, gt_rusage *usage);
]]
local CLOCK_MONOTONIC, RUSAGE_SELF = 1, 0
local ts = ffi.new("gt_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

-- ---- the main state: one setup() per thread, done() at the end ------------------------------

local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

-- ---- each thread's state (globals, so that done() can read them with thread:get) -----------
-- Flat tables only: wrk 4.1.0's thread:get crashes copying a table that holds a table.

lat_create, lat_pay = {}, {}
status_create, status_pay = {}, {}
outcomes = {}
created, credited, credited_fen, unparsed, unanswered = 0, 0, 0, 0, 0

local project, run_tag
local counter = 0
local donation, token, amount -- the created donation this thread's connection pays next
local kind, sent_at -- the request in flight

function init(args)
  project = args[1]
  run_tag = tonumber(args[2], 16)
  math.randomseed(run_tag + 7919 * thread_no)
end

local json = { ["content-type"] = "application/json" }

function request()
  -- wrk calls thread 0's request() once before the run to check it (script_verify_request)
  -- and never sends that one. Any other call while a request is in flight means wrk
  -- reconnected after a socket error: that request got no answer.
  if kind and not (thread_no == 0 and counter == 1 and #lat_create == 0) then
    unanswered = unanswered + 1
  end
  if kind then donation = nil end
  local req
  if donation then
    kind = "pay"
    req = wrk.format("POST", "/api/payments/sandbox/" .. donation .. "/pay", json,
      '{"token":"' .. token .. '","outcome":"succeeded"}')
  else
    kind = "create"
    counter = counter + 1
    -- 1.00 to 500.00 yuan, so a wrong sum cannot hide behind equal amounts.
    amount = 100 * math.random(1, 500)
    local headers = {
      ["content-type"] = "application/json",
      -- UUID-shaped and unique: the run, the thread, the request.
      ["idempotency-key"] = string.format("%08x-%04x-4000-8000-%012x", run_tag, thread_no, counter),
    }
    req = wrk.format("POST", "/api/projects/" .. project .. "/donations", headers,
      '{"amount":' .. amount .. ',"currency":"CNY","email":"bench-donor@example.org"}')
  end
  sent_at = now_ms()
  return req
end

local function count(t, key)
  t[key] = (t[key] or 0) + 1
end

function response(code, headers, body)
  local k = kind
  if not k then return end
  kind = nil
  table.insert(k == "create" and lat_create or lat_pay, now_ms() - sent_at)
  count(k == "create" and status_create or status_pay, code)
  if k == "create" then
    donation = nil
    if code ~= 201 then return end
    created = created + 1
    donation = body:match('"donation":%s*{%s*"id":%s*"([^"]+)"')
    token = body:match('"accessToken":%s*"([^"]+)"')
    if not (donation and token) then
      unparsed = unparsed + 1
      donation = nil
    end
  else
    donation = nil
    local outcome = "http " .. code
    if code == 200 then outcome = body:match('"outcome":%s*"([^"]+)"') or "unparsed" end
    count(outcomes, outcome)
    if outcome == "credited" then
      credited = credited + 1
      credited_fen = credited_fen + amount
    end
  end
end

-- ---- the result, as one JSON line -----------------------------------------------------------

local function numbers(xs)
  local out = {}
  for i, x in ipairs(xs) do out[i] = string.format("%.3f", x) end
  return "[" .. table.concat(out, ",") .. "]"
end

local function counts(t)
  local out = {}
  for key, n in pairs(t) do table.insert(out, string.format("%q:%d", tostring(key), n)) end
  return "{" .. table.concat(out, ",") .. "}"
end

function done(summary, _, _)
  local ru = ffi.new("gt_rusage")
  ffi.C.getrusage(RUSAGE_SELF, ru)
  local cpu = tonumber(ru.ru_utime.tv_sec) + tonumber(ru.ru_utime.tv_usec) / 1e6
    + tonumber(ru.ru_stime.tv_sec) + tonumber(ru.ru_stime.tv_usec) / 1e6
  local all = {
    latency = { create = {}, pay = {} },
    status = { create = {}, pay = {} },
    outcomes = {},
    created = 0, credited = 0, credited_fen = 0, unparsed = 0, unanswered = 0,
  }
  for _, thread in ipairs(threads) do
    for _, k in ipairs({ "create", "pay" }) do
      for _, x in ipairs(thread:get("lat_" .. k)) do table.insert(all.latency[k], x) end
      for code, n in pairs(thread:get("status_" .. k)) do
        all.status[k][code] = (all.status[k][code] or 0) + n
      end
    end
    for o, n in pairs(thread:get("outcomes")) do all.outcomes[o] = (all.outcomes[o] or 0) + n end
    for _, f in ipairs({ "created", "credited", "credited_fen", "unparsed", "unanswered" }) do
      all[f] = all[f] + thread:get(f)
    end
  end
  local e = summary.errors
  io.write("GOODTRACE_RESULT {",
    '"seconds":', summary.duration / 1e6,
    ',"latency":{"create":', numbers(all.latency.create), ',"pay":', numbers(all.latency.pay), "}",
    ',"status":{"create":', counts(all.status.create), ',"pay":', counts(all.status.pay), "}",
    ',"outcomes":', counts(all.outcomes),
    ',"created":', all.created, ',"credited":', all.credited, ',"creditedFen":', all.credited_fen,
    ',"unparsed":', all.unparsed, ',"unanswered":', all.unanswered,
    ',"errors":', e.connect + e.read + e.write, ',"timeouts":', e.timeout,
    ',"cpu":', cpu, "}\n")
end
