-- wrk script: an agency's reads through the exchange, numbers drawn from ids.txt, the agency's
-- access token from the environment (DINHDANH_BENCH_TOKEN). Any answer but 200 counts as an error.
local ids = {}
local token = os.getenv("DINHDANH_BENCH_TOKEN")
local query = "?fields=full_name,birth_date,sex,permanent_residence&purpose=social-insurance-enrolment"

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/v1/exchange/population/persons/" .. id .. query,
    { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
