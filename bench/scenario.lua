-- wrk script for every scenario of the benchmark; bench/load.py runs it as
--   wrk -t THREADS -c CONNECTIONS -d SECONDS --timeout 30s -s bench/scenario.lua URL
-- and configures it through the environment:
--   BENCH_SCENARIO  get_one | list | filtered | queue | create_order | transition | create_request
--   BENCH_TOKEN     the bearer token
--   BENCH_DATA      the directory of id lists written by bench/prepare.py
--   BENCH_RATE      0: send as fast as the connections allow (saturation);
--                   R > 0: R requests/s in all, paced (see delay() below)
--   BENCH_THREADS   the -t given to wrk (to split the rate and the transition requests)
--   BENCH_OUT       the JSON file done() writes
-- Every answer outside 2xx counts as an error (wrk itself only counts status >= 400).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

-- wrk's Lua has no wall clock finer than a second; the pacing needs milliseconds.
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local scenario = assert(os.getenv("BENCH_SCENARIO"), "BENCH_SCENARIO is not set")
local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
local data = os.getenv("BENCH_DATA") or "."
local rate = tonumber(os.getenv("BENCH_RATE") or "0")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

local API = "/api/v1"
local GET_HEADERS = { ["Authorization"] = "Bearer " .. token }
local POST_HEADERS = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }

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

-- Thread state from here on.
local ids, patients, providers, slots
local cursor = 0
local interval_ms, next_send

function init(args)
  math.randomseed(os.time() * 1000 + (thread_index or 0))
  non2xx, late, statuses = 0, 0, {}
  if scenario == "get_one" then
    ids = read_lines("lab_orders.txt")
  elseif scenario == "create_request" then
    ids = read_lines("covered_lab_orders.txt")
  elseif scenario == "create_order" then
    patients, providers = read_lines("patients.txt"), read_lines("providers.txt")
  elseif scenario == "transition" then
    -- Each thread owns every nthreads-th request. A request is lent to one connection at a time
    -- (busy until its answer comes back, matched by X-Request-Id), so two moves of the same
    -- request never race, and its status is tracked here: every move sent is an allowed one.
    -- (wrk calls request() once before the run to check it, which leaves one request of thread 1
    -- lent forever: harmless, there are two requests per connection.)
    slots = {}
    -- transition_state.txt: "id status" lines, the statuses read by load.py before this run.
    for i, line in ipairs(read_lines("transition_state.txt")) do
      local id, status = line:match("^(%S+)%s+(%S+)$")
      if (i - 1) % nthreads == (thread_index or 1) - 1 then
        slots[#slots + 1] = { id = id, status = status, busy = false }
      end
    end
  end
  if rate > 0 then
    interval_ms = 1000 * nthreads / rate
    next_send = now_ms()
  end
end

local BODY_ORDER = '{"patient_id": "%s", "ordering_provider_id": "%s", '
  .. '"tests": [{"test_name": "Hemoglobin A1c", "cpt_code": "83036"}], "diagnosis_code": "E11.9", '
  .. '"clinical_indication": "Follow-up", "priority": "ROUTINE"}'

local function transition_request()
  for _ = 1, #slots do
    cursor = cursor % #slots + 1
    local slot = slots[cursor]
    if not slot.busy then
      slot.busy = true
      slot.target = slot.status == "DRAFT" and "PENDING_SUBMISSION" or "DRAFT"
      -- The service echoes X-Request-Id: response() finds the slot an answer belongs to.
      local headers = {
        ["Authorization"] = POST_HEADERS["Authorization"],
        ["Content-Type"] = "application/json",
        ["X-Request-Id"] = "slot-" .. cursor,
      }
      return wrk.format("POST", API .. "/approval-requests/" .. slot.id .. "/transitions", headers,
        '{"to_status": "' .. slot.target .. '"}')
    end
  end
  -- Cannot happen while there are more requests than connections (64 for 32), unless wrk lost
  -- answers on broken connections; send anyway and let the error count show it.
  cursor = cursor % #slots + 1
  return wrk.format("POST", API .. "/approval-requests/" .. slots[cursor].id .. "/transitions",
    POST_HEADERS, '{"to_status": "DRAFT"}')
end

function request()
  if scenario == "get_one" then
    return wrk.format("GET", API .. "/lab-orders/" .. pick(ids), GET_HEADERS)
  elseif scenario == "list" then
    return wrk.format("GET", API .. "/lab-orders?limit=50", GET_HEADERS)
  elseif scenario == "filtered" then
    return wrk.format("GET", API .. "/lab-orders?limit=50&approval_status=APPROVED", GET_HEADERS)
  elseif scenario == "queue" then
    return wrk.format("GET", API .. "/work-queue?limit=50", GET_HEADERS)
  elseif scenario == "create_order" then
    return wrk.format("POST", API .. "/lab-orders", POST_HEADERS,
      string.format(BODY_ORDER, pick(patients), pick(providers)))
  elseif scenario == "transition" then
    return transition_request()
  elseif scenario == "create_request" then
    return wrk.format("POST", API .. "/lab-orders/" .. pick(ids) .. "/approval-requests", POST_HEADERS, "{}")
  end
  error("unknown BENCH_SCENARIO " .. scenario)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local ok = status >= 200 and status <= 299
  if not ok then
    non2xx = non2xx + 1
    -- Keep the first error answer of each thread for the raw log.
    if not first_error then first_error = status .. " " .. string.sub(body or "", 1, 300) end
  end
  if slots then
    local tag = headers["x-request-id"] or headers["X-Request-Id"]
    local index = tag and tonumber(tag:match("^slot%-(%d+)$"))
    local slot = index and slots[index]
    if slot then
      slot.busy = false
      if ok then
        slot.status = slot.target
      else
        -- A 409 names the status the request is really in ("cannot move from X to Y"); follow
        -- it, so one surprise costs one error, not every later move of that request.
        local actual = body and body:match("cannot move from ([%u_]+)")
        if actual then slot.status = actual end
      end
    end
  end
end

-- Fixed-rate pacing (plain wrk has no rate option; wrk2 is not packaged in Debian). Each thread
-- keeps one schedule, a send every interval_ms; a connection that is ready claims the next free
-- time on it and sleeps until then. With 32 connections at half the saturation rate most of them
-- are idle, so sends follow the schedule rather than the answers (an open loop). A send more than
-- 1 ms behind its time is counted as late; if the schedule falls a second behind, it restarts
-- from now rather than sending a burst. Latency is wrk's: from the write to the full answer.
if rate > 0 then
  function delay()
    local now = now_ms()
    if next_send < now - 1000 then next_send = now end
    local at = next_send
    next_send = next_send + interval_ms
    if at < now - 1 then late = late + 1 end
    local wait = at - now
    if wait < 0 then wait = 0 end
    return math.floor(wait + 0.5) -- wrk takes whole milliseconds
  end
end

-- Main state again: sum the threads' counters and write one JSON object.
function done(summary, latency, requests)
  local non2xx_total, late_total, by_status = 0, 0, {}
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
    late_total = late_total + (thread:get("late") or 0)
    for status, n in pairs(thread:get("statuses") or {}) do
      by_status[tostring(status)] = (by_status[tostring(status)] or 0) + n
    end
  end
  local parts, samples = {}, {}
  for status, n in pairs(by_status) do parts[#parts + 1] = string.format('"%s": %d', status, n) end
  for _, thread in ipairs(threads) do
    local sample = thread:get("first_error")
    if sample then
      sample = sample:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end)
      samples[#samples + 1] = '"' .. sample .. '"'
    end
  end
  local e = summary.errors
  local duration_s = summary.duration / 1e6
  local json = string.format(
    '{"scenario": "%s", "target_rps": %.3f, "duration_s": %.3f, "requests": %d, "rps": %.3f, '
      .. '"latency_ms": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f, "mean": %.3f}, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"wrk_status_errors": %d, "non2xx": %d, "late": %d, "statuses": {%s}, "error_samples": [%s]}\n',
    scenario, rate, duration_s, summary.requests, summary.requests / duration_s,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, non2xx_total, late_total, table.concat(parts, ", "),
    table.concat(samples, ", "))
  local out = os.getenv("BENCH_OUT")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(json)
    f:close()
  end
  io.write(json)
end
