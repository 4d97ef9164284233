-- wrk script: struct lookups spread over MIX_KERNELS kernels (versions MIX_PREFIX1 .. MIX_PREFIX<n>
-- + MIX_SUFFIX) with a Zipf skew: a few kernels are hot, the rest a long tail. Every answer
-- must carry "log":"ok." (anything else counts as an error).
local n = tonumber(os.getenv("MIX_KERNELS"))
local prefix = os.getenv("MIX_PREFIX")
local suffix = os.getenv("MIX_SUFFIX")
local structs = { "task_struct", "file", "sk_buff", "mm_struct", "inode", "sock", "net_device",
  "page", "super_block", "dentry", "vm_area_struct", "cred", "bio", "request_queue", "pid" }
local cdf = {}
local threads = {}
bad = 0 -- per thread; summed in done()

setup = function(thread) table.insert(threads, thread) end

init = function(args)
  local s, total = 1.1, 0
  for k = 1, n do total = total + 1 / k ^ s; cdf[k] = total end
  for k = 1, n do cdf[k] = cdf[k] / total end
  math.randomseed(os.time())
end

local function pick()
  local u, lo, hi = math.random(), 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return lo
end

request = function()
  local body = string.format('[{"cmd":"struct","ver":"%s%d%s","arch":"x86_64","struct":"struct %s"}]',
    prefix, pick(), suffix, structs[math.random(#structs)])
  return wrk.format("POST", "/lbc", { ["Content-Type"] = "application/json" }, body)
end

response = function(status, headers, body)
  if status ~= 200 or not body:find('"log":"ok."', 1, true) then bad = bad + 1 end
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + t:get("bad") end
  io.write(string.format("%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  errors %d (transport %d, not ok. %d)\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors + wrong, errors, wrong))
end
