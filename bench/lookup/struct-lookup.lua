-- wrk script: legacy surftrace struct lookups, as the client sends them.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- `wrk -H 'Connection: close'` gives the one-connection-per-request shape of the Python clients.
if not wrk.headers["Connection"] then wrk.headers["Connection"] = "keep-alive" end
wrk.body = os.getenv("LBC_BODY")

done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50: %.2f ms\n", latency:percentile(50) / 1000))
  io.write(string.format("p99: %.2f ms\n", latency:percentile(99) / 1000))
  io.write(string.format("max: %.2f ms\n", latency.max / 1000))
  io.write(string.format("errors: %d (status %d, timeout %d)\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.errors.timeout))
end
