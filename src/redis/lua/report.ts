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

local s = load_state()
local now = clock(s)
guard = guard_of(s, guard)
-- a send of an earlier incarnation of the bucket: only its pause still speaks for the server
if s.epoch ~= epoch then has_policy = 0; rtt = -1; seq = -2 end
redis.call('ZREM', KEY_FLIGHT, seq .. ':' .. units)
local in_flight = redis.call('ZCARD', KEY_FLIGHT)
local live = redis.call('ZCARD', KEY_CLIENTS)
local b = view_of(s)
local before = sync_gate(s, b, now, 0, guard)
local fields = {}
local function set(name, value) s[name] = value; fields[#fields + 1] = name; fields[#fields + 1] = value end
local limit_changed = 0
local wake = false

if status >= 0 and rtt >= 0 then
  -- the round trip (take to response) bounds how late this send may have reached the server
  redis.call('LPUSH', KEY_RTT, rtt)
  redis.call('LTRIM', KEY_RTT, 0, 31)
  local longest, shortest = 0, math.huge
  for _, value in ipairs(redis.call('LRANGE', KEY_RTT, 0, -1)) do
    longest = math.max(longest, tonumber(value))
    shortest = math.min(shortest, tonumber(value))
  end
  set('hold', longest + 2)
  set('spread', longest - shortest + 2)
  guard = guard_of(s, tonumber(ARGV[14]))
end
local spread = s.spread or guard

-- Older sends the server may not have counted when it answered this one: those sent less than
-- the spread before it (they may have arrived after it), and older ones still in flight.
local uncertain = 0
local close_from = math.max(last_unit_by(b, sent_at - spread) + 1, b.first)
local older = through - units
if older >= close_from then uncertain = older - close_from + 1 end
local flight = redis.call('ZRANGE', KEY_FLIGHT, 0, -1, 'WITHSCORES')
for i = 1, #flight, 2 do
  local member = flight[i]
  local at = string.find(member, ':', 1, true)
  local other, cost = tonumber(string.sub(member, 1, at - 1)), tonumber(string.sub(member, at + 1))
  -- sent before the close ones counted above (lease expiry - lease = send time)
  if other < seq and tonumber(flight[i + 1]) - lease <= sent_at - spread then uncertain = uncertain + cost end
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
  if p_window > 0 and p_window ~= (s.window or 0) then set('window', p_window) end
  if p_refill ~= (s.refill or 0) then set('refill', p_refill) end
  -- the freshest view by send order wins; sends after it (and older ones in flight) are spent on top
  if p_rem >= 0 and seq > (s.sync_seq or -1) then
    local reset = 0
    if p_reset >= 0 then reset = now + p_reset end
    local names = { 'sync_seq', 'sync_total', 'sync_at', 'sync_rem', 'sync_unc', 'sync_limit', 'sync_reset' }
    local current = {}
    for _, name in ipairs(names) do current[name] = s[name] end
    local candidate = { sync_seq = seq, sync_total = through, sync_at = sent_at, sync_rem = p_rem, sync_unc = uncertain,
      sync_limit = math.max(s.limit or 0, p_rem), sync_reset = reset }
    -- Every response's view, less what it may not have counted, bounds the room. When the fresher
    -- view is stricter only through that uncertainty (our own sends it may not have seen), the
    -- older view is as safe and allows more: keep it. When it is stricter even counting all of our
    -- sends, the server knows of use we do not (other clients, a lower limit): the server wins.
    local b_now = view_of(s)
    local via_current = nil
    if limit_changed == 0 then via_current = sync_gate(s, b_now, now, 0, guard) end
    for name, value in pairs(candidate) do s[name] = value end
    local via_candidate = sync_gate(s, b_now, now, 0, guard)
    local via_certain = sync_gate(s, b_now, now, 0, guard, true)
    if via_current ~= nil and via_candidate ~= nil and via_candidate < via_current and via_certain >= via_current then
      for name, value in pairs(current) do s[name] = value end
    else
      for _, name in ipairs(names) do set(name, candidate[name]) end
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
local room = log_gate(b, now, 0, guard)
local available = sync_gate(s, b, now, 0, guard)
-- wake waiters only on news they cannot have planned for: a slot freed while probing, or room in
-- the server's view where there was none (their timers already cover units aging out of the log)
if room == nil and available == nil then wake = true end
if available ~= nil and available >= 1 and (before == nil or before < 1) then wake = true end
if paused > 0 then wake = false end

if #fields > 0 then redis.call('HSET', KEY_STATE, unpack(fields)) end
expire_all(s, b, now, ttl, guard)
if wake then redis.call('PUBLISH', channel, bucket) end
local reply = { paused, limit_changed, now }
for _, value in ipairs(describe(s, b, now, guard, in_flight, live)) do reply[#reply + 1] = value end
return reply
`;
