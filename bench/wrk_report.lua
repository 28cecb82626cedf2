-- wrk script of bench/run.py: report the figures as one JSON line at the end.
-- Given a file of paths (wrk ... -- FILE), each request asks for one of them at random.

local paths = {}

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      paths[#paths + 1] = line
    end
    math.randomseed(os.time() + math.floor(os.clock() * 1e6) + #tostring({}))
    request = function()
      return wrk.format(nil, paths[math.random(#paths)])
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "bad_status": %d, ' ..
    '"socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
