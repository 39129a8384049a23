-- wrk script for latency at a fixed request rate: every connection pauses between its requests so that
-- CONNECTIONS connections send about RATE requests per second; prints the latency distribution.
-- Arguments (after --): pause in milliseconds.
local pause = 5

function init(args)
  if args[1] ~= nil then
    pause = tonumber(args[1])
  end
end

function delay()
  return pause
end

function done(summary, latency, requests)
  io.write("FERRY-DISTRIBUTION\n")
  for _, p in ipairs({1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99}) do
    io.write(string.format("%g %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("100 %d\n", latency.max))
  local e = summary.errors
  io.write(string.format("FERRY-SUMMARY requests=%d duration_us=%d socket_errors=%d status_errors=%d max_us=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, latency.max))
end
