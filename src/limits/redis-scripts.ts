// Lua for the Redis store: each operation is one script, so one round trip and atomic.
// The bucket arithmetic mirrors bucket.ts exactly (same expressions, same order: IEEE doubles
// on both sides give identical results). A bucket is one string key holding "level at", both
// written with %.17g, which round-trips a double. `now` comes from the calling replica's
// clock (ms); hosts are expected to run NTP, and a skew of a few ms shifts a limit by that
// much at most. Keys carry TTLs so idle state vanishes. Replies are integer arrays: Redis
// would truncate Lua numbers to integers anyway.

// Shared by the scripts: the level of bucket KEYS[i] at `now`, drained since it was written.
const DRAINED = `
local function drained(key, now, limit, window)
  local stored = redis.call('GET', key)
  if not stored then return 0 end
  local level, at = string.match(stored, '^(%S+) (%S+)$')
  level = tonumber(level) - ((now - tonumber(at)) * limit) / window
  if level > 0 then return level end
  return 0
end
local function store(key, level, now, limit, window)
  redis.call('SET', key, string.format('%.17g %.17g', level, now), 'PX', math.ceil((level * window) / limit) + 1000)
end
`;

/**
 * KEYS: bucket keys..., [slot key]
 * ARGV: now, bucketCount, hasSlot, then per bucket (limit, windowMs, cost), then (slotId, max, leaseMs)
 * Reply: allowed, slotInUse, slotAcquired, then per bucket (remaining, resetMs, retryAfterMs)
 */
export const CHECK_SCRIPT = `${DRAINED}
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local hasSlot = ARGV[3] == '1'
local ok = true
local before, after, waits = {}, {}, {}
for i = 1, n do
  local base = 3 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local window = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local level = drained(KEYS[i], now, limit, window)
  local newLevel = level + cost
  local over = newLevel - limit
  if over > 0 then ok = false end
  before[i], after[i], waits[i] = level, newLevel, over
end

local slotInUse, slotAcquired = 0, 0
if hasSlot then
  local slotKey = KEYS[n + 1]
  local sbase = 3 + n * 3
  local id = ARGV[sbase + 1]
  local max = tonumber(ARGV[sbase + 2])
  local lease = tonumber(ARGV[sbase + 3])
  redis.call('ZREMRANGEBYSCORE', slotKey, '-inf', now)
  slotInUse = redis.call('ZCARD', slotKey)
  if slotInUse >= max then
    ok = false
  elseif ok then
    redis.call('ZADD', slotKey, now + lease, id)
    if redis.call('PTTL', slotKey) < lease + 1000 then redis.call('PEXPIRE', slotKey, lease + 1000) end
    slotInUse = slotInUse + 1
    slotAcquired = 1
  end
end

local reply = { ok and 1 or 0, slotInUse, slotAcquired }
for i = 1, n do
  local base = 3 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local window = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local level = before[i]
  if ok then
    level = after[i]
    if cost ~= 0 then store(KEYS[i], level, now, limit, window) end
  end
  local remaining = math.floor(limit - level + 1e-9)
  if remaining < 0 then remaining = 0 end
  if remaining > limit then remaining = limit end
  local retry = 0
  if waits[i] > 0 then retry = math.ceil((waits[i] * window) / limit) end
  reply[#reply + 1] = remaining
  reply[#reply + 1] = math.ceil((level * window) / limit)
  reply[#reply + 1] = retry
end
return reply
`;

/**
 * KEYS: bucket keys
 * ARGV: now, then per bucket (limit, windowMs, delta)
 */
export const ADJUST_SCRIPT = `${DRAINED}
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local window = tonumber(ARGV[base + 2])
  local delta = tonumber(ARGV[base + 3])
  local level = drained(KEYS[i], now, limit, window) + delta
  if level > 0 then
    store(KEYS[i], level, now, limit, window)
  else
    redis.call('DEL', KEYS[i])
  end
end
return 0
`;

/**
 * KEYS: slot keys (one per slot, repeats allowed)
 * ARGV: now, then per key (id, leaseMs)
 * Only ids whose lease has not run out are extended: an expired slot stays gone.
 */
export const RENEW_SCRIPT = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local id = ARGV[2 * i]
  local lease = tonumber(ARGV[2 * i + 1])
  local expiry = tonumber(redis.call('ZSCORE', KEYS[i], id))
  if expiry and expiry > now then
    redis.call('ZADD', KEYS[i], now + lease, id)
    if redis.call('PTTL', KEYS[i]) < lease + 1000 then redis.call('PEXPIRE', KEYS[i], lease + 1000) end
  end
end
return 0
`;

/**
 * Read-only: writes nothing and leaves TTLs alone.
 * KEYS: bucket keys..., then slot keys
 * ARGV: now, bucketCount, then per bucket (limit, windowMs)
 * Reply: per bucket (remaining, resetMs), then per slot key the live slot count
 */
export const PEEK_SCRIPT = `${DRAINED}
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local reply = {}
for i = 1, n do
  local limit = tonumber(ARGV[2 + (i - 1) * 2 + 1])
  local window = tonumber(ARGV[2 + (i - 1) * 2 + 2])
  local level = drained(KEYS[i], now, limit, window)
  local remaining = math.floor(limit - level + 1e-9)
  if remaining < 0 then remaining = 0 end
  if remaining > limit then remaining = limit end
  reply[#reply + 1] = remaining
  reply[#reply + 1] = math.ceil((level * window) / limit)
end
for i = n + 1, #KEYS do
  reply[#reply + 1] = redis.call('ZCOUNT', KEYS[i], '(' .. now, '+inf')
end
return reply
`;
