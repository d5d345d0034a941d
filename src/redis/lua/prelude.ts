/**
 * The Lua every script of the Redis store starts with: the one clock (Redis `TIME`), the bucket's
 * state, and the two gates a send must pass. Kept as plain text so `take` and `report` share one
 * definition of the model (see docs/redis.md "The model").
 *
 * Keys (one hash tag per bucket, so Redis Cluster keeps them on one slot):
 * KEYS[1] state hash, KEYS[2] log of admitted units (ZSET, score = send time), KEYS[3] sends in
 * flight (ZSET `seq:units`, score = lease expiry), KEYS[4] live clients (ZSET, score = last seen),
 * KEYS[5] recent round trips (LIST, grant to report in ms).
 *
 * Every hash field is a number. Units are numbered 1, 2, 3... in admission order, and send times
 * never decrease (the clock is clamped to `last_at`), so the log's order by score is the order by
 * unit number and a unit's rank is `index - first`.
 */
export const PRELUDE = `
-- Redis < 5 replicates scripts verbatim, which a script reading TIME must opt out of (a no-op since 5)
if redis.replicate_commands then redis.replicate_commands() end
local KEY_STATE, KEY_LOG, KEY_FLIGHT, KEY_CLIENTS, KEY_RTT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local function load_state()
  local raw = redis.call('HGETALL', KEY_STATE)
  local s = {}
  for i = 1, #raw, 2 do s[raw[i]] = tonumber(raw[i + 1]) end
  return s
end

-- Redis TIME is the one clock of every host; clamped so it never runs backwards for this bucket.
local function clock(s)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if s.last_at ~= nil and now < s.last_at then now = s.last_at end
  return now
end

-- A send reaches the server somewhere between its grant and its response: a slot is held for the
-- window plus the largest recent round trip (take to response, measured by the client), at least
-- guard. The spread (largest minus smallest) bounds how differently two sends' arrivals may lag.
local function guard_of(s, guard)
  return math.max(guard, s.hold or 0)
end

-- The limit and window the bucket paces with: the server's, else the user's, else unknown (0).
local function view_of(s)
  local b = { source = 2, limit = s.limit or 0, window = s.window or 0, total = s.total or 0 }
  if b.limit <= 0 then b.limit = s.cfg_limit or 0; b.source = 1 end
  if b.limit <= 0 then b.source = 0 end
  if b.window <= 0 then b.window = s.cfg_window or 0 end
  b.count = redis.call('ZCARD', KEY_LOG)
  b.first = b.total - b.count + 1
  return b
end

-- The send time of unit number index (it must still be in the log).
local function time_of(b, index)
  local rank = index - b.first
  local e = redis.call('ZRANGE', KEY_LOG, rank, rank, 'WITHSCORES')
  return tonumber(e[2])
end

-- The number of the last unit sent at or before t (first - 1 when none).
local function last_unit_by(b, t)
  return b.first + redis.call('ZCOUNT', KEY_LOG, '-inf', t) - 1
end

-- Gate 1, the sliding log: at most limit units in any window + guard, by Redis time.
-- Returns the room left and, when need does not fit, when it will.
local function log_gate(b, now, need, guard)
  if b.limit <= 0 or b.window <= 0 then return nil, nil end
  local n = redis.call('ZCOUNT', KEY_LOG, '(' .. (now - b.window - guard), '+inf')
  local room = b.limit - n
  if need <= room then return room, nil end
  -- the k-th oldest unit of the window has to leave first
  local k = n + need - b.limit
  return room, time_of(b, b.total - n + k) + b.window + guard + 1
end

-- Gate 2, the server's view: the freshest remaining (by send order), less every unit sent after
-- that request and every older one still in flight when it was answered, plus (window known)
-- credit for units the server surely counted then and that have surely left its window since.
-- Returns the units available and, when need does not fit, when it may (nil: unknown).
-- optimistic: assume the server counted every one of our units it could have, and saw every
-- older send (only to tell another client's use from our own uncertainty, never to admit).
local function sync_gate(s, b, now, need, guard, optimistic)
  if s.sync_seq == nil then return nil, nil end
  local at = s.sync_at
  -- a whole window after the synced send every unit it counted has left: the log gate rules
  if b.window > 0 and now > at + b.window + guard then return nil, nil end
  local unc = s.sync_unc
  if optimistic then unc = 0 end
  local available = s.sync_rem - (b.total - s.sync_total) - unc
  if b.window <= 0 then
    if available >= need then return available, nil end
    return available, nil
  end
  -- only our most recent held units can be among what the server counted...
  local held = s.sync_limit - s.sync_rem + unc
  -- surely counted: sent after the synced send's latest arrival minus a window (arrival lags vary by spread)
  local counted_after = at + (s.spread or guard) - b.window
  if optimistic then counted_after = at - guard - b.window end
  local from = math.max(s.sync_total - held + 1, b.first, last_unit_by(b, counted_after) + 1)
  -- ...and of those, the ones sent a window + guard ago are gone
  local gone = last_unit_by(b, now - b.window - guard)
  local to = math.min(s.sync_total, gone)
  local credit = 0
  if to >= from then credit = to - from + 1 end
  if s.refill == 1 then credit = math.min(credit, math.floor((now - at) * b.limit / b.window)) end
  available = available + credit
  if available >= need then return available, nil end
  local expiry = at + b.window + guard + 1
  local j = math.max(from, gone + 1) + (need - available) - 1
  if j <= s.sync_total then return available, math.min(time_of(b, j) + b.window + guard + 1, expiry) end
  return available, expiry
end

-- Units the bucket would still let out now (nil when unknown), for snapshots.
local function remaining_of(s, b, now, guard)
  local room = log_gate(b, now, 0, guard)
  local available = sync_gate(s, b, now, 0, guard)
  if room == nil then return available end
  if available == nil then return room end
  return math.min(room, available)
end

-- Keys live as long as the log needs them, a pause lasts, or ttl, whichever is longest.
local function expire_all(s, b, now, ttl, guard)
  local keep = math.max(ttl, 2 * (b.window + guard) + 1000)
  local paused = s.paused_until or 0
  if paused - now + 1000 > keep then keep = paused - now + 1000 end
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, keep) end
end

-- The log keeps two windows (credit looks one window behind a sync point a window old), or a
-- minute when the window is unknown, and never more than max(4 limit, 4096) units.
local function trim_log(b, now, guard)
  local keep = 60000
  if b.window > 0 then keep = 2 * (b.window + guard) end
  local removed = redis.call('ZREMRANGEBYSCORE', KEY_LOG, '-inf', '(' .. (now - keep))
  local cap = math.max(4 * b.limit, 4096)
  local count = b.count - removed
  if count > cap then
    redis.call('ZREMRANGEBYRANK', KEY_LOG, 0, count - cap - 1)
    count = cap
  end
  b.count = count
  b.first = b.total - count + 1
end

-- limit, window, remaining, reset, paused until, in flight, live clients, source
local function describe(s, b, now, guard, in_flight, live)
  local paused = s.paused_until or 0
  if paused <= now then paused = -1 end
  local reset = s.sync_reset or 0
  if reset <= 0 then reset = -1 end
  local remaining = remaining_of(s, b, now, guard)
  if remaining == nil then remaining = -1 else remaining = math.max(0, math.floor(remaining)) end
  return { b.limit, b.window, remaining, reset, paused, in_flight, live, b.source }
end
`;
