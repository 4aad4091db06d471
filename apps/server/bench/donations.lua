-- wrk script of the donations bench: the same request chain as donations-load.ts (autocannon),
-- driven by wrk (C, one event loop per thread), which costs far less CPU per request. Run by
-- donations.bench.ts (bench/donations-wrk.ts) as
--
--   wrk -t T -c C -d S --timeout 30s -s donations.lua http://127.0.0.1:PORT -- PROJECT_ID RUN_TAG
--
-- with a few threads (BENCH_WRK_THREADS, default 2), each driving C/T connections. wrk tells a
-- script neither which connection a request goes out on nor which one an answer came back on,
-- so each thread keeps its chains by what the answers carry: a create answer holds its amount
-- (unique among the thread's creates in flight), a pay answer its donation id. Any connection of
-- the thread may pay any donation the thread created: the next request is a pay when a created
-- donation is waiting, else a create.
--
--   create  POST /api/projects/:id/donations, a new Idempotency-Key, 1.00 to 500.00 yuan
--   pay     POST /api/payments/sandbox/:donationId/pay with the create answer's token
--
-- Only a pay answer whose outcome is `credited` counts. An error answer names neither, so it is
-- counted by status only (`status.unmatched`). done() prints one line, `GOODTRACE_RESULT {json}`:
-- per-kind latencies (ms) and status counts, outcomes, created, credited and their sum in fen,
-- requests still unanswered at the end, and wrk's own CPU seconds (getrusage).

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
status_create, status_pay, status_unmatched = {}, {}, {}
outcomes = {}
created, credited, credited_fen, unparsed, in_flight = 0, 0, 0, 0, 0

local project, run_tag
local counter = 0
-- Created donations waiting to be paid, in order: a queue of {id, token, amount}.
local ready, ready_head, ready_tail = {}, 1, 0
-- Requests in flight: creates by amount (fen), pays by donation id.
local create_sent, pay_sent = {}, {}

function init(args)
  project = args[1]
  run_tag = tonumber(args[2], 16)
  math.randomseed(run_tag + 7919 * thread_no)
end

local json = { ["content-type"] = "application/json" }

function request()
  in_flight = in_flight + 1
  if ready_head <= ready_tail then
    local d = ready[ready_head]
    ready[ready_head] = nil
    ready_head = ready_head + 1
    pay_sent[d.id] = { now_ms(), d.amount }
    return wrk.format("POST", "/api/payments/sandbox/" .. d.id .. "/pay", json,
      '{"token":"' .. d.token .. '","outcome":"succeeded"}')
  end
  counter = counter + 1
  -- 1.00 to 500.00 yuan, so a wrong sum cannot hide behind equal amounts; unique among this
  -- thread's creates in flight, so that the answer tells which create it answers.
  local amount
  repeat amount = 100 * math.random(1, 500) until create_sent[amount] == nil
  create_sent[amount] = now_ms()
  local headers = {
    ["content-type"] = "application/json",
    -- UUID-shaped and unique: the run, the thread, the request.
    ["idempotency-key"] = string.format("%08x-%04x-4000-8000-%012x", run_tag, thread_no, counter),
  }
  return wrk.format("POST", "/api/projects/" .. project .. "/donations", headers,
    '{"amount":' .. amount .. ',"currency":"CNY","email":"bench-donor@example.org"}')
end

local function count(t, key)
  t[key] = (t[key] or 0) + 1
end

function response(code, headers, body)
  local at = now_ms()
  local donation_id = body:match('"donationId":%s*"([^"]+)"')
  if donation_id and pay_sent[donation_id] then
    local sent = pay_sent[donation_id]
    pay_sent[donation_id] = nil
    in_flight = in_flight - 1
    table.insert(lat_pay, at - sent[1])
    count(status_pay, code)
    local outcome = "http " .. code
    if code == 200 then outcome = body:match('"outcome":%s*"([^"]+)"') or "unparsed" end
    count(outcomes, outcome)
    if outcome == "credited" then
      credited = credited + 1
      credited_fen = credited_fen + sent[2]
    end
    return
  end
  local amount = tonumber(body:match('"donation":%s*{[^}]-"amount":%s*(%d+)'))
  if amount and create_sent[amount] then
    local sent = create_sent[amount]
    create_sent[amount] = nil
    in_flight = in_flight - 1
    table.insert(lat_create, at - sent)
    count(status_create, code)
    if code ~= 201 then return end
    created = created + 1
    local id = body:match('"donation":%s*{%s*"id":%s*"([^"]+)"')
    local token = body:match('"accessToken":%s*"([^"]+)"')
    if not (id and token) then
      unparsed = unparsed + 1
      return
    end
    ready_tail = ready_tail + 1
    ready[ready_tail] = { id = id, token = token, amount = amount }
    return
  end
  count(status_unmatched, code)
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
    status = { create = {}, pay = {}, unmatched = {} },
    outcomes = {},
    created = 0, credited = 0, credited_fen = 0, unparsed = 0, in_flight = 0,
  }
  for _, thread in ipairs(threads) do
    for _, k in ipairs({ "create", "pay" }) do
      for _, x in ipairs(thread:get("lat_" .. k)) do table.insert(all.latency[k], x) end
    end
    for _, k in ipairs({ "create", "pay", "unmatched" }) do
      for code, n in pairs(thread:get("status_" .. k)) do
        all.status[k][code] = (all.status[k][code] or 0) + n
      end
    end
    for o, n in pairs(thread:get("outcomes")) do all.outcomes[o] = (all.outcomes[o] or 0) + n end
    for _, f in ipairs({ "created", "credited", "credited_fen", "unparsed", "in_flight" }) do
      all[f] = all[f] + thread:get(f)
    end
  end
  local e = summary.errors
  io.write("GOODTRACE_RESULT {",
    '"seconds":', summary.duration / 1e6,
    ',"latency":{"create":', numbers(all.latency.create), ',"pay":', numbers(all.latency.pay), "}",
    ',"status":{"create":', counts(all.status.create), ',"pay":', counts(all.status.pay),
    ',"unmatched":', counts(all.status.unmatched), "}",
    ',"outcomes":', counts(all.outcomes),
    ',"created":', all.created, ',"credited":', all.credited, ',"creditedFen":', all.credited_fen,
    ',"unparsed":', all.unparsed, ',"inFlight":', all.in_flight,
    ',"errors":', e.connect + e.read + e.write, ',"timeouts":', e.timeout,
    ',"cpu":', cpu, "}\n")
end
