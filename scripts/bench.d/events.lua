-- wrk script: POSTs JSON events. BATCH events per request (env BATCH, default 1), bodies
-- drawn from a pre-built pool so wrk spends its CPU on load, not on string building.
-- No messageId: the server assigns a fresh UUIDv7, so every request stores new events.
local batch = tonumber(os.getenv("BATCH") or "1")
local types = { "page_view", "product_view", "search", "add_to_cart", "purchase", "scroll" }
local pool, counter = {}, 0

local function event(i, u)
  return string.format(
    '{"userId":"user-%d","type":"%s","sessionId":"s-%d","properties":{"path":"/p/%d","price":%d.5,"sku":"SKU-%d"},' ..
    '"context":{"page":{"path":"/p/%d","title":"Product %d"},"locale":"en-GB","userAgent":"wrk"}}',
    u, types[(i % #types) + 1], u, i, i % 100, i, i, i)
end

function init(args)
  math.randomseed(os.time() + tonumber(string.sub(tostring({}), 8), 16))
  local size = batch == 1 and 2000 or 40
  for b = 1, size do
    local parts = {}
    for k = 1, batch do
      parts[k] = event(b * batch + k, math.random(1, 10000))
    end
    pool[b] = batch == 1 and parts[1] or ("[" .. table.concat(parts, ",") .. "]")
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- The write key created by scripts/bench, sent as Segment's libraries do: HTTP Basic with
-- the key as user name (scripts/bench builds the header value).
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER") or ""

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, pool[(counter % #pool) + 1])
end
