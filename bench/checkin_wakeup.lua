-- wrk script for bench/checkin_wakeup.py: each request is one member's check-in.
-- tokens.txt holds "<enrollment id> <bearer token>" per line; thread i of n takes lines i, i+n, ...
local tokens_file = os.getenv("CHECKIN_TOKENS") or "tokens.txt"
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  lines = {}
  local n = 0
  local total = tonumber(os.getenv("WRK_THREADS") or "2")
  for line in io.lines(tokens_file) do
    if n % total == id then
      local enrollment, token = line:match("^(%d+) (%S+)$")
      table.insert(lines, {"/api/v1/enrollments/" .. enrollment .. "/checkins", token})
    end
    n = n + 1
  end
  next_line = 1
end

function request()
  local item = lines[next_line]
  next_line = next_line % #lines + 1
  return wrk.format("POST", item[1], {
    ["Authorization"] = "Bearer " .. item[2],
    ["Content-Type"] = "application/json",
  }, '{"note": "up at dawn"}')
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("STATUS %d %d\n", status, n))
  end
end
