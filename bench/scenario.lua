-- wrk script for every scenario of the benchmark; bench/load.py runs it as
--   wrk -t THREADS -c CONNECTIONS -d SECONDS --timeout 30s -s bench/scenario.lua URL
-- and configures it through the environment:
--   BENCH_SCENARIO  get_one | list | filtered | queue | create_order | transition | create_request
--   BENCH_TOKEN     the bearer token
--   BENCH_DATA      the directory of id lists written by bench/prepare.py
--   BENCH_RATE      0: send as fast as the connections allow (saturation);
--                   R > 0: R requests/s in all, paced (see delay() below)
--   BENCH_THREADS   the -t given to wrk (to split the rate and the transition requests)
--   BENCH_WARMUP    seconds at the start of the run whose answers are not recorded
--   BENCH_OUT       the JSON file done() writes
--
-- Every answer outside 2xx counts as an error (wrk itself counts only status >= 400).
--
-- The warm-up is the first BENCH_WARMUP seconds of the same run rather than a run of its own:
-- wrk leaves its requests in flight when it stops, and with slow requests (a second or more
-- under 32-way load) the server would still be answering a separate warm-up's requests while
-- the measured run starts. Only answers arriving after the warm-up are counted, and throughput
-- is those answers over the time after the warm-up.
--
-- Latency is measured here, not taken from wrk's histogram: wrk "corrects" that histogram for
-- coordinated omission by adding samples for every answer slower than twice the mean interval
-- of a connection, which suits a closed loop but double-counts in the paced runs, where a slow
-- answer holds back no other send. Each request carries its send time in X-Request-Id, which the
-- service echoes; response() subtracts it. (wrk's own figures, warm-up included, stay in the
-- JSON as "wrk_latency_ms".)

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

-- wrk's Lua has no clock finer than a second; the pacing and the latencies need better.
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

local scenario = assert(os.getenv("BENCH_SCENARIO"), "BENCH_SCENARIO is not set")
local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
local data = os.getenv("BENCH_DATA") or "."
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local warmup_us = tonumber(os.getenv("BENCH_WARMUP") or "0") * 1e6

local API = "/api/v1"
local AUTHORIZATION = "Bearer " .. token
local BODY_ORDER = '{"patient_id": "%s", "ordering_provider_id": "%s", '
  .. '"tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}], "diagnosis_code": "E11.9", '
  .. '"clinical_indication": "Follow-up", "priority": "ROUTINE"}'

local function read_lines(name)
  local lines = {}
  for line in io.lines(data .. "/" .. name) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  assert(#lines > 0, name .. " is empty")
  return lines
end

local function pick(list)
  return list[math.random(#list)]
end

-- Main state: number the threads (init() uses the number) and keep them for done().
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_index", #threads)
end

-- Thread state from here on. Globals are read by done() through thread:get().
local ids, patients, providers, slots
local cursor = 0
local interval_us, next_send, measure_from

function init(args)
  math.randomseed(os.time() * 1000 + (thread_index or 0))
  measured, non2xx, late, statuses, latencies = 0, 0, 0, {}, {}
  measure_from = now_us() + warmup_us
  if scenario == "get_one" then
    ids = read_lines("lab_orders.txt")
  elseif scenario == "create_request" then
    ids = read_lines("covered_lab_orders.txt")
  elseif scenario == "create_order" then
    patients, providers = read_lines("patients.txt"), read_lines("providers.txt")
  elseif scenario == "transition" then
    -- Each thread owns every nthreads-th request (transition_state.txt: "id status" lines, read
    -- from the service by load.py just before the run). A request is lent to one connection at
    -- a time, busy until its answer comes back, so two moves of one request never race and every
    -- move sent is allowed. (wrk calls request() once before the run to check it; that leaves one
    -- request of thread 1 lent for good: harmless, there are two requests per connection.)
    slots = {}
    for i, line in ipairs(read_lines("transition_state.txt")) do
      local id, status = line:match("^(%S+)%s+(%S+)$")
      if (i - 1) % nthreads == (thread_index or 1) - 1 then
        slots[#slots + 1] = { id = id, status = status, busy = false }
      end
    end
  end
  if rate > 0 then
    interval_us = 1e6 * nthreads / rate
    next_send = now_us()
  end
end

-- X-Request-Id: "<transition slot or 0>-<send time in µs>". request() runs just before wrk
-- writes the request, so the time is the send time.
local function format(method, path, body, slot)
  local headers = {
    ["Authorization"] = AUTHORIZATION,
    ["X-Request-Id"] = (slot or 0) .. "-" .. now_us(),
  }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

local function transition_request()
  for _ = 1, #slots do
    cursor = cursor % #slots + 1
    local slot = slots[cursor]
    if not slot.busy then
      slot.busy = true
      slot.target = slot.status == "DRAFT" and "PENDING_SUBMISSION" or "DRAFT"
      return format("POST", API .. "/approval-requests/" .. slot.id .. "/transitions",
        '{"to_status": "' .. slot.target .. '"}', cursor)
    end
  end
  -- Cannot happen while there are more requests than connections, unless answers were lost on
  -- broken connections; send anyway and let the error count show it.
  cursor = cursor % #slots + 1
  return format("POST", API .. "/approval-requests/" .. slots[cursor].id .. "/transitions",
    '{"to_status": "DRAFT"}')
end

function request()
  if scenario == "get_one" then
    return format("GET", API .. "/lab-orders/" .. pick(ids))
  elseif scenario == "list" then
    return format("GET", API .. "/lab-orders?limit=50")
  elseif scenario == "filtered" then
    return format("GET", API .. "/lab-orders?limit=50&approval_status=APPROVED")
  elseif scenario == "queue" then
    return format("GET", API .. "/work-queue?limit=50")
  elseif scenario == "create_order" then
    return format("POST", API .. "/lab-orders", string.format(BODY_ORDER, pick(patients), pick(providers)))
  elseif scenario == "transition" then
    return transition_request()
  elseif scenario == "create_request" then
    return format("POST", API .. "/lab-orders/" .. pick(ids) .. "/approval-requests", "{}")
  end
  error("unknown BENCH_SCENARIO " .. scenario)
end

function response(status, headers, body)
  local now = now_us()
  local ok = status >= 200 and status <= 299
  local tag = headers["x-request-id"] or headers["X-Request-Id"] or ""
  local index, sent = tag:match("^(%d+)%-(%d+)$")
  if now >= measure_from then
    measured = measured + 1
    statuses[status] = (statuses[status] or 0) + 1
    if not ok then
      non2xx = non2xx + 1
      -- Keep the first error answer of each thread for the raw log.
      if not first_error then first_error = status .. " " .. string.sub(body or "", 1, 300) end
    end
    if sent then latencies[#latencies + 1] = (now - tonumber(sent)) / 1000 end
  end
  local slot = slots and slots[tonumber(index or 0)]
  if slot then
    slot.busy = false
    if ok then
      slot.status = slot.target
    else
      -- A 409 names the status the request is really in ("cannot move from X to Y"); follow it,
      -- so one surprise costs one error, not every later move of that request.
      local actual = body and body:match("cannot move from ([%u_]+)")
      if actual then slot.status = actual end
    end
  end
end

-- Fixed-rate pacing (plain wrk has no rate option; wrk2 is not packaged in Debian). Each thread
-- keeps one schedule, a send every interval_us; a connection that is free claims the next time
-- on it and sleeps until then. With 32 connections at half the saturation rate most of them are
-- idle, so sends follow the schedule rather than the answers (an open loop). A send more than
-- 1 ms behind its time counts as late; if the schedule falls a second behind, it restarts from
-- now rather than sending a burst.
if rate > 0 then
  function delay()
    local now = now_us()
    if next_send < now - 1e6 then next_send = now end
    local at = next_send
    next_send = next_send + interval_us
    if at < now - 1000 and now >= measure_from then late = late + 1 end
    local wait_ms = (at - now) / 1000
    if wait_ms < 0 then wait_ms = 0 end
    return math.floor(wait_ms + 0.5) -- wrk takes whole milliseconds
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[math.max(math.ceil(p / 100 * #sorted), 1)]
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

-- Main state again: gather the threads' counters and write one JSON object.
function done(summary, latency, requests)
  local measured_total, non2xx_total, late_total, by_status, all, samples = 0, 0, 0, {}, {}, {}
  for _, thread in ipairs(threads) do
    measured_total = measured_total + (thread:get("measured") or 0)
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
    late_total = late_total + (thread:get("late") or 0)
    for status, n in pairs(thread:get("statuses") or {}) do
      by_status[tostring(status)] = (by_status[tostring(status)] or 0) + n
    end
    for _, ms in ipairs(thread:get("latencies") or {}) do all[#all + 1] = ms end
    local sample = thread:get("first_error")
    if sample then samples[#samples + 1] = json_string(sample) end
  end
  table.sort(all)
  local sum = 0
  for _, ms in ipairs(all) do sum = sum + ms end
  local parts = {}
  for status, n in pairs(by_status) do parts[#parts + 1] = string.format('"%s": %d', status, n) end
  local e = summary.errors
  -- The measured window: the run after the warm-up (the threads start within a millisecond).
  local duration_s = summary.duration / 1e6 - warmup_us / 1e6
  local json = string.format(
    '{"scenario": "%s", "target_rps": %.3f, "duration_s": %.3f, "requests": %d, "rps": %.3f, '
      .. '"all_requests": %d, '
      .. '"latency_ms": {"samples": %d, "p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f}, '
      .. '"wrk_latency_ms": {"p50": %.3f, "p99": %.3f, "max": %.3f}, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"wrk_status_errors": %d, "non2xx": %d, "late": %d, "statuses": {%s}, "error_samples": [%s]}\n',
    scenario, rate, duration_s, measured_total, measured_total / duration_s, summary.requests,
    #all, percentile(all, 50), percentile(all, 90), percentile(all, 99), all[#all] or 0,
    #all > 0 and sum / #all or 0,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, non2xx_total, late_total,
    table.concat(parts, ", "), table.concat(samples, ", "))
  local out = os.getenv("BENCH_OUT")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
  end
  io.write(json)
end
