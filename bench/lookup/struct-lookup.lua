-- wrk script: legacy surftrace struct lookups, as the client sends them (LBC_BODY).
-- `wrk -H 'Connection: close'` gives the one-connection-per-request shape of the Python clients.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if not wrk.headers["Connection"] then wrk.headers["Connection"] = "keep-alive" end
wrk.body = os.getenv("LBC_BODY")

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors))
end
