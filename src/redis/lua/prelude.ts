/**
 * The Lua every script of the Redis store starts with: the one clock (Redis `TIME`), the bucket's
 * state, and the two gates a send must pass. Kept as plain text so `take` and `report` share one
 * definition of the model (see docs/redis.md "The model").
 *
 * Keys (one hash tag per bucket, so Redis Cluster keeps them on one slot):
 * KEYS[1] state hash, KEYS[2] log of admitted units (ZSET, score = send time), KEYS[3] sends in
 * flight (ZSET `seq:units`, score = lease expiry), KEYS[4] live clients (ZSET, score = last seen),
 * KEYS[5] recent round trips (LIST, grant to report in ms), KEYS[6] releases (ZSET, the same
 * members as the log, score = the latest time the unit can have reached the server: its response,
 * or send time + lease while in flight; `:x` appended when the server refused it), KEYS[7] waiting
 * clients (ZSET, score = the time their last refusal named).
 *
 * Every hash field is a number. Units are numbered 1, 2, 3... in admission order, and send times
 * never decrease (the clock is clamped to `last_at`), so the log's order by score is the order by
 * unit number and a unit's rank is `index - first`.
 */
export const PRELUDE = `
-- Redis < 5 replicates scripts verbatim, which a script reading TIME must opt out of (a no-op since 5)
if redis.replicate_commands then redis.replicate_commands() end
local KEY_STATE, KEY_LOG, KEY_FLIGHT, KEY_CLIENTS, KEY_RTT, KEY_RELEASE, KEY_WAIT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
-- set by each script from its ARGV: how long an unanswered send counts as in flight, ms
local LEASE = 60000

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

-- A send reaches the server somewhere between its grant and its response. A unit therefore holds
-- its slot from its grant until a window (plus guard) after its response: no estimate of the way
-- there is needed. The largest recent round trip (hold) only guesses when an unanswered send will
-- free its slot, for the time a refused take names, and bounds how late a failed attempt arrived.
local function hold_of(s, guard)
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

-- When a unit released at score will have left the server's window (an unanswered one: about a
-- round trip after its send, a guess only used to say when to ask again).
local function leaves_at(s, b, now, score, guard)
  if score > now then score = math.max(now, score - LEASE + hold_of(s, guard)) end
  return score + b.window + guard + 1
end

-- Units the server counted beyond every unit of ours it could have counted when it answered the
-- freshest response: someone else's use. They arrived by that response, so they hold their slots
-- until a window after it.
local function foreign_of(s, b, now, guard)
  if s.sync_seq == nil or b.window <= 0 then return 0, nil end
  local expiry = (s.sync_rel or s.sync_at) + b.window + guard + 1
  if now >= expiry then return 0, nil end
  return s.sync_foreign or 0, expiry
end

-- Units that processes back from their local share may still have in the server's window
-- (announce), a share for each process not back yet, and the earliest time one of those ends.
local function local_of(s, now)
  local units, ends, back = 0, nil, 0
  for name, value in pairs(s) do
    if string.sub(name, 1, 3) == 'lu:' then
      local until_at = s['lt:' .. string.sub(name, 4)] or 0
      if until_at > now then
        units = units + value
        back = back + 1
        if ends == nil or until_at < ends then ends = until_at end
      end
    end
  end
  local others_until = s.lo_until or 0
  if others_until > now then
    units = units + math.max(0, (s.lo_processes or 0) - back) * (s.lo_share or 0)
    if ends == nil or others_until < ends then ends = others_until end
  end
  return units, ends
end

-- Gate 1 (the window known), the sliding log: at most limit units hold a slot, a unit of ours
-- holding one from its grant until a window + guard after its response (in flight: until it is
-- answered), someone else's as the server showed them. Returns the room left and, when need does
-- not fit, when it will (after the slots of the clients already waiting ahead, if given).
local function log_gate(s, b, now, need, guard, ahead)
  if b.limit <= 0 or b.window <= 0 then return nil, nil end
  local since = now - b.window - guard
  local n = redis.call('ZCOUNT', KEY_RELEASE, '(' .. since, '+inf')
  local foreign, expiry = foreign_of(s, b, now, guard)
  local shares, shares_end = local_of(s, now)
  local room = b.limit - n - foreign - shares
  if need <= room then return room, nil end
  local at = nil
  -- someone else's units leaving make enough room, or (a guess) a local share ending does
  if expiry ~= nil and need <= room + foreign then at = expiry end
  if shares_end ~= nil and need <= room + shares and (at == nil or shares_end < at) then at = shares_end end
  -- the k-th of ours to leave does (each client waiting ahead will take one first)
  local k = need - room + (ahead or 0)
  if k <= n then
    local e = redis.call('ZRANGEBYSCORE', KEY_RELEASE, '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', k - 1, 1)
    local ours = leaves_at(s, b, now, tonumber(e[2]), guard)
    if at == nil or ours < at then at = ours end
  end
  return room, at or (now + b.window)
end

-- Gate 2 (the window unknown), the server's view: the freshest remaining (by send order), less
-- every unit sent after that request and every older one it may not have counted (answered after
-- it was sent, or still in flight). Returns the units available (nil: no view yet).
local function sync_gate(s, b, now)
  if s.sync_seq == nil then return nil end
  return s.sync_rem - (b.total - s.sync_total) - s.sync_unc - local_of(s, now)
end

-- Units the bucket would still let out now (nil when unknown), for snapshots.
local function remaining_of(s, b, now, guard)
  local room = log_gate(s, b, now, 0, guard)
  if room ~= nil then return room end
  return sync_gate(s, b, now)
end

-- Keys live as long as the log needs them, a pause lasts, or ttl, whichever is longest.
local function expire_all(s, b, now, ttl, guard)
  local keep = math.max(ttl, 2 * (b.window + guard) + 1000)
  local paused = s.paused_until or 0
  if paused - now + 1000 > keep then keep = paused - now + 1000 end
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, keep) end
end

-- The log keeps two windows, or a minute when the window is unknown, and never more than
-- max(4 limit, 4096) units; releases the same span (units in flight stay until their lease ends).
local function trim_log(b, now, guard)
  local keep = 60000
  if b.window > 0 then keep = 2 * (b.window + guard) end
  local removed = redis.call('ZREMRANGEBYSCORE', KEY_LOG, '-inf', '(' .. (now - keep))
  redis.call('ZREMRANGEBYSCORE', KEY_RELEASE, '-inf', '(' .. (now - keep))
  local cap = math.max(4 * b.limit, 4096)
  local count = b.count - removed
  if count > cap then
    redis.call('ZREMRANGEBYRANK', KEY_LOG, 0, count - cap - 1)
    count = cap
  end
  local released = redis.call('ZCARD', KEY_RELEASE)
  if released > cap then redis.call('ZREMRANGEBYRANK', KEY_RELEASE, 0, released - cap - 1) end
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
