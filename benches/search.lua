-- wrk script: folded-name search, names (URL-encoded) drawn from names.txt, operator token from
-- the environment (DINHDANH_BENCH_TOKEN).
local ids = {}
local token = os.getenv("DINHDANH_BENCH_TOKEN")

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/v1/registry/persons?limit=20&name=" .. id,
    { ["Authorization"] = "Bearer " .. token })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
