import { PRELUDE } from './prelude.ts';

/**
 * report(send, observation): the attempt of an admitted send ended; take in what its response
 * said. The server wins: the freshest remaining (by send order) becomes the sync point; a 429
 * (or a 503 with a wait) pauses the whole bucket for every process. Publishes the bucket's name
 * on the wake channel when waiters somewhere may go sooner than they planned.
 *
 * ARGV: seq, units, unit total after the send, send time (Redis ms), status (-1: no response),
 * has policy (0/1), limit, remaining, reset delay ms, window ms, refill (0/1), retry delay ms
 * (-1 each: not stated), max retry after ms, guard ms, key ttl ms, lease ms, wake channel, bucket,
 * round trip ms (take asked to response, the client's clock; -1: none), the bucket's epoch at take.
 *
 * Reply: { paused until (-1: no pause), limit changed (0/1), now, ...describe() }.
 */
export const REPORT_SCRIPT = `${PRELUDE}
local seq, units, through, sent_at = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local status, has_policy = tonumber(ARGV[5]), tonumber(ARGV[6])
local p_limit, p_rem, p_reset, p_window, p_refill = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local retry_delay, max_retry = tonumber(ARGV[12]), tonumber(ARGV[13])
local guard, ttl, lease = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
local channel, bucket, rtt, epoch = ARGV[17], ARGV[18], tonumber(ARGV[19]), tonumber(ARGV[20])

LEASE = lease
local s = load_state()
local now = clock(s)
-- a send of an earlier incarnation of the bucket: only its pause still speaks for the server
local current = s.epoch == epoch
if not current then has_policy = 0; rtt = -1; seq = -2 end
redis.call('ZREM', KEY_FLIGHT, seq .. ':' .. units)
local in_flight = redis.call('ZCARD', KEY_FLIGHT)
local live = redis.call('ZCARD', KEY_CLIENTS)
local b = view_of(s)
local before = remaining_of(s, b, now, guard)
local fields = {}
local function set(name, value) s[name] = value; fields[#fields + 1] = name; fields[#fields + 1] = value end
local limit_changed = 0
local wake = false

if status >= 0 and rtt >= 0 then
  -- recent round trips (take to response): when unanswered sends will likely free their slots
  redis.call('LPUSH', KEY_RTT, rtt)
  redis.call('LTRIM', KEY_RTT, 0, 31)
  local longest, shortest = 0, math.huge
  for _, value in ipairs(redis.call('LRANGE', KEY_RTT, 0, -1)) do
    longest = math.max(longest, tonumber(value))
    shortest = math.min(shortest, tonumber(value))
  end
  set('hold', longest + 2)
  set('spread', longest - shortest + 2)
end

-- The latest this send can have reached the server: its response, on Redis's clock (now, or the
-- send time plus the round trip the client measured from before the send, whichever is sooner).
-- A failed attempt has no response to bound it: the round trip after the failure too.
local released = now
if status >= 0 and rtt >= 0 then released = math.min(now, sent_at + rtt) end
if status < 0 then released = now + hold_of(s, guard) end
if current then
  for unit = through - units + 1, through do
    local member = string.format('%015d', unit)
    if redis.call('ZSCORE', KEY_RELEASE, member) then
      -- a refused send never counted at the server: it keeps its slot (cautious) but earns no credit
      if status == 429 then
        redis.call('ZREM', KEY_RELEASE, member)
        member = member .. ':x'
      end
      redis.call('ZADD', KEY_RELEASE, released, member)
    end
  end
end

-- Older units the server may not have counted when it answered this one: those not answered
-- before this one was sent (they may have arrived after it), still in flight ones included.
local uncertain = 0
local first_of_send = through - units + 1
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEY_RELEASE, '(' .. sent_at, '+inf')) do
  local unit = tonumber(member)
  if unit ~= nil and unit < first_of_send then uncertain = uncertain + 1 end
end

if has_policy == 1 then
  local old = s.limit or 0
  local limit = p_limit
  -- a server that reports only remaining: the most ever seen is the best limit known
  if limit <= 0 and p_rem > old then limit = p_rem end
  if limit > 0 and limit ~= old then
    set('limit', limit)
    limit_changed = 1
  end
  local stated = 0
  if p_limit > 0 then stated = 1 end
  if stated ~= (s.limit_stated or 0) then set('limit_stated', stated) end
  if p_window > 0 and p_window ~= (s.window or 0) then set('window', p_window) end
  if p_refill ~= (s.refill or 0) then set('refill', p_refill) end
  -- the freshest view by send order wins
  if p_rem >= 0 and seq > (s.sync_seq or -1) then
    local reset = 0
    if p_reset >= 0 then reset = now + p_reset end
    local b_now = view_of(s)
    -- Someone else's use (window known): what the server counted beyond every unit of ours it
    -- could have counted, sent by its response and answered (or not) after this send less a window.
    local foreign = 0
    if b_now.window > 0 and b_now.limit > 0 then
      local mine = redis.call('ZCOUNT', KEY_RELEASE, '(' .. (sent_at - b_now.window), '+inf') - (b_now.total - last_unit_by(b_now, released))
      foreign = math.max(0, b_now.limit - p_rem - mine)
    end
    local view = { sync_seq = seq, sync_total = through, sync_at = sent_at, sync_rel = released, sync_rem = p_rem,
      sync_unc = uncertain, sync_foreign = foreign, sync_reset = reset }
    for _, name in ipairs({ 'sync_seq', 'sync_total', 'sync_at', 'sync_rel', 'sync_rem', 'sync_unc', 'sync_foreign', 'sync_reset' }) do
      set(name, view[name])
    end
  end
end

local paused = -1
if status == 429 or (status == 503 and retry_delay >= 0) then
  local asked = now + 1000
  if retry_delay >= 0 then asked = now + retry_delay end
  -- Retry-After: 0 from a limiter is not an invitation: a 429 waits at least a second
  local floor = now
  if status == 429 then floor = now + 1000 end
  local until_at = math.min(math.max(asked, floor), now + max_retry)
  if until_at > now then
    set('paused_until', math.max(s.paused_until or 0, until_at))
    set('probe', 0)
    paused = s.paused_until
  end
elseif (s.probe or -1) == seq then
  set('probe', -1)
  wake = true
end

b = view_of(s)
local after = remaining_of(s, b, now, guard)
-- wake waiters only on news they cannot have planned for: a slot freed while probing, or room
-- where there was none (their timers already cover our units leaving the window)
if after == nil then wake = true end
if after ~= nil and after >= 1 and (before == nil or before < 1) then wake = true end
if paused > 0 then wake = false end

if #fields > 0 then redis.call('HSET', KEY_STATE, unpack(fields)) end
expire_all(s, b, now, ttl, guard)
if wake then redis.call('PUBLISH', channel, bucket) end
local reply = { paused, limit_changed, now }
for _, value in ipairs(describe(s, b, now, guard, in_flight, live)) do reply[#reply + 1] = value end
return reply
`;
