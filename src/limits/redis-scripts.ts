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

// A budget is one hash: field "spent" (settled micro-USD) and one field "h:<id>" per live
// hold, "amount expiry". Holds are few (the key's requests in flight), so summing them is cheap.
const BUDGET = `
local function budgetLevels(key, now)
  local fields = redis.call('HGETALL', key)
  local spent, held = 0, 0
  for i = 1, #fields, 2 do
    local field, value = fields[i], fields[i + 1]
    if field == 'spent' then
      spent = tonumber(value)
    else
      local amount, expiry = string.match(value, '^(%S+) (%S+)$')
      if tonumber(expiry) <= now then redis.call('HDEL', key, field) else held = held + tonumber(amount) end
    end
  end
  return spent, held
end
local function keepFor(key, ttl)
  if ttl > 0 then
    if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('PERSIST', key)
  end
end
`;

/**
 * KEYS: bucket keys..., [slot key], [budget key]
 * ARGV: now, bucketCount, hasSlot, hasBudget, then per bucket (limit, windowMs, cost),
 *       then (slotId, max, leaseMs) when hasSlot, then (holdId, limit, cost, leaseMs, ttlMs) when hasBudget
 * Reply: allowed, slotInUse, slotAcquired, budgetSpent, budgetHeld, budgetAcquired,
 *        then per bucket (remaining, resetMs, retryAfterMs)
 */
export const CHECK_SCRIPT = `${DRAINED}${BUDGET}
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local hasSlot = ARGV[3] == '1'
local hasBudget = ARGV[4] == '1'
local ok = true
local before, after, waits = {}, {}, {}
for i = 1, n do
  local base = 4 + (i - 1) * 3
  local limit = tonumber(ARGV[base + 1])
  local window = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local level = drained(KEYS[i], now, limit, window)
  local newLevel = level + cost
  local over = newLevel - limit
  if over > 0 then ok = false end
  before[i], after[i], waits[i] = level, newLevel, over
end

-- The budget is decided before the slot, which is claimed only when everything else fits.
local budgetSpent, budgetHeld, budgetAcquired = 0, 0, 0
local budgetKey, holdId, budgetCost, holdLease, budgetTtl
if hasBudget then
  budgetKey = KEYS[n + 1 + (hasSlot and 1 or 0)]
  local bbase = 4 + n * 3 + (hasSlot and 3 or 0)
  holdId = ARGV[bbase + 1]
  local limit = tonumber(ARGV[bbase + 2])
  budgetCost = tonumber(ARGV[bbase + 3])
  holdLease = tonumber(ARGV[bbase + 4])
  budgetTtl = tonumber(ARGV[bbase + 5])
  budgetSpent, budgetHeld = budgetLevels(budgetKey, now)
  if budgetCost ~= 0 and budgetSpent + budgetHeld + budgetCost > limit then ok = false end
end

local slotInUse, slotAcquired = 0, 0
if hasSlot then
  local slotKey = KEYS[n + 1]
  local sbase = 4 + n * 3
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

if hasBudget and ok and budgetCost > 0 then
  redis.call('HSET', budgetKey, 'h:' .. holdId, string.format('%d %d', budgetCost, now + holdLease))
  keepFor(budgetKey, budgetTtl)
  budgetAcquired = 1
end

local reply = { ok and 1 or 0, slotInUse, slotAcquired, budgetSpent, budgetHeld, budgetAcquired }
for i = 1, n do
  local base = 4 + (i - 1) * 3
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
 * KEYS: slot keys (one per slot, repeats allowed), then budget keys (one per hold)
 * ARGV: now, slotCount, then per key (id, leaseMs)
 * Only ids whose lease has not run out are extended: an expired slot or hold stays gone.
 */
export const RENEW_SCRIPT = `
local now = tonumber(ARGV[1])
local slots = tonumber(ARGV[2])
for i = 1, #KEYS do
  local id = ARGV[2 * i + 1]
  local lease = tonumber(ARGV[2 * i + 2])
  if i <= slots then
    local expiry = tonumber(redis.call('ZSCORE', KEYS[i], id))
    if expiry and expiry > now then
      redis.call('ZADD', KEYS[i], now + lease, id)
      if redis.call('PTTL', KEYS[i]) < lease + 1000 then redis.call('PEXPIRE', KEYS[i], lease + 1000) end
    end
  else
    local hold = redis.call('HGET', KEYS[i], 'h:' .. id)
    if hold then
      local amount, expiry = string.match(hold, '^(%S+) (%S+)$')
      if tonumber(expiry) > now then redis.call('HSET', KEYS[i], 'h:' .. id, amount .. ' ' .. string.format('%d', now + lease)) end
    end
  end
end
return 0
`;

/**
 * KEYS: budget keys (one per settlement)
 * ARGV: now, then per key (id, cost, ttlMs, dedupeMs)
 * The hold goes; the cost is added once per id: a mark "<budget key>:s:<id>" outlives the
 * window in which a lost reply could make the caller send the same settlement again.
 */
export const SETTLE_SCRIPT = `${BUDGET}
for i = 1, #KEYS do
  local base = 1 + (i - 1) * 4
  local id = ARGV[base + 1]
  local cost = tonumber(ARGV[base + 2])
  local ttl = tonumber(ARGV[base + 3])
  local dedupe = tonumber(ARGV[base + 4])
  redis.call('HDEL', KEYS[i], 'h:' .. id)
  if cost > 0 and redis.call('SET', KEYS[i] .. ':s:' .. id, '1', 'NX', 'PX', dedupe) then
    redis.call('HINCRBY', KEYS[i], 'spent', cost)
    keepFor(KEYS[i], ttl)
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
