-- wrk script for CanaryBenchServer: POST /webhook rotating over the canaries app-0 … app-(N-1),
-- whose Jobs (checksum "done") have finished, so every answer comes from the informer cache.
-- Usage: wrk -t2 -c64 -d30s --latency -s benchmarks/wrk/canary-webhook.lua http://127.0.0.1:8089/webhook
local canaries = tonumber(os.getenv("CANARIES") or "100")
local bodies = {}
for i = 0, canaries - 1 do
  bodies[i] = '{"name":"app-' .. i .. '","namespace":"bench","phase":"Progressing","checksum":"done"}'
end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local body = bodies[n % canaries]
  n = n + 1
  return wrk.format(nil, nil, nil, body)
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end
