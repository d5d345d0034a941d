import { PRELUDE } from './prelude.ts';

/** Reasons the take script refuses, as numbers (Lua has no enums). */
export const REASON_CODES = ['none', 'probing', 'quota', 'paused', 'response', 'too-large'] as const;

/**
 * take(cost): admit `cost` units now or say when to ask again. Atomic: everything between
 * `TIME` and the reply happens without another client in between.
 *
 * ARGV: cost units, configured limit (0: none), configured window ms (0: none), initial
 * concurrency, in-flight lease ms, guard ms, key ttl ms, client id, client liveness ms.
 *
 * Reply: { ok, seq or retryAt (-1: wait for a response), reason, now, units total after this
 * send, the bucket's epoch, ...describe(), next: when admitted and the log has no room for the
 * same cost again, when this client's next take may succeed (-1: now) }.
 *
 * Clients refused by the log are told distinct times (each waiting client takes one of the slots
 * that leave, in turn), so they do not all wake for the first slot and all but one ask again; an
 * admitted client is told when its next take may go, so it does not ask only to be refused.
 */
export const TAKE_SCRIPT = `${PRELUDE}
local cost = tonumber(ARGV[1])
local cfg_limit, cfg_window = tonumber(ARGV[2]), tonumber(ARGV[3])
local initial, lease, guard, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local client, client_ttl = ARGV[8], tonumber(ARGV[9])

LEASE = lease
local s = load_state()
local now = clock(s)
s.cfg_limit, s.cfg_window = cfg_limit, cfg_window
-- a crashed process's sends stop counting as in flight when their lease ends
redis.call('ZREMRANGEBYSCORE', KEY_FLIGHT, '-inf', now)
redis.call('ZADD', KEY_CLIENTS, now, client)
redis.call('ZREMRANGEBYSCORE', KEY_CLIENTS, '-inf', '(' .. (now - client_ttl))
local live = redis.call('ZCARD', KEY_CLIENTS)
local in_flight = redis.call('ZCARD', KEY_FLIGHT)
-- shares of processes back from the local fallback that have ended
for name, value in pairs(s) do
  if string.sub(name, 1, 3) == 'lt:' and value <= now then
    redis.call('HDEL', KEY_STATE, name, 'lu:' .. string.sub(name, 4))
  end
end
redis.call('ZREMRANGEBYSCORE', KEY_WAIT, '-inf', '(' .. now)
redis.call('ZREM', KEY_WAIT, client)
local ahead = redis.call('ZCARD', KEY_WAIT)
local b = view_of(s)
trim_log(b, now, guard)

-- A bucket's incarnation: reports of sends admitted by an earlier one (Redis restarted empty, or
-- the keys expired) must not be read against this one's log.
local epoch = s.epoch or now

local function finish(reply, fields, next_at)
  redis.call('HSET', KEY_STATE, 'cfg_limit', cfg_limit, 'cfg_window', cfg_window, 'last_at', now, 'epoch', epoch, unpack(fields))
  expire_all(s, b, now, ttl, guard)
  for _, value in ipairs(describe(s, b, now, guard, in_flight, live)) do reply[#reply + 1] = value end
  reply[#reply + 1] = next_at or -1
  return reply
end

local function refuse(retry_at, reason)
  return finish({ 0, retry_at or -1, reason, now, b.total, epoch }, {})
end

-- this client waits for the log until at: later waiters are told later slots
local function queue(at)
  redis.call('ZADD', KEY_WAIT, at, client)
  return at
end

local function admit(fields)
  local seq = (s.seq or 0) + 1
  for _ = 1, cost do
    b.total = b.total + 1
    local member = string.format('%015d', b.total)
    redis.call('ZADD', KEY_LOG, now, member)
    -- in flight: it may reach the server any time until it is answered (or its lease ends)
    redis.call('ZADD', KEY_RELEASE, now + lease, member)
  end
  b.count = b.count + cost
  s.seq, s.total = seq, b.total
  redis.call('ZADD', KEY_FLIGHT, now + lease, seq .. ':' .. cost)
  in_flight = in_flight + 1
  fields[#fields + 1] = 'seq'; fields[#fields + 1] = seq
  fields[#fields + 1] = 'total'; fields[#fields + 1] = b.total
  -- the log full after this send: when the same cost fits again, for this client's next take
  local next_at = nil
  if s.probe == nil or s.probe < 0 then
    local room, at = log_gate(s, b, now, math.min(cost, math.max(b.limit, 1)), guard, ahead)
    if room ~= nil and at ~= nil then next_at = queue(math.max(at, now + 1)) end
  end
  return finish({ 1, seq, 0, now, b.total, epoch }, fields, next_at)
end

-- a cost above a stated (or configured) whole limit can never go: say so at once. A limit only
-- inferred from remaining may grow, so it never refuses.
if cost > b.limit and ((b.source == 2 and (s.limit_stated or 0) == 1) or b.source == 1) then
  return refuse(-1, 5)
end

-- 1. a 429/503 paused the whole bucket
local paused = s.paused_until or 0
if paused > now then return refuse(paused, 3) end
-- 2. after a pause one probe goes first; the rest wait for its answer
local probe = s.probe or -1
if probe > 0 and redis.call('ZSCORE', KEY_FLIGHT, probe .. ':' .. (s.probe_cost or 0)) then
  return refuse(nil, 4)
end
if probe >= 0 then
  -- the probe is due (or its lease ran out unanswered: its process died, send another)
  return admit({ 'probe', (s.seq or 0) + 1, 'probe_cost', cost })
end

local need = math.min(cost, math.max(b.limit, 1))
local room, log_at = log_gate(s, b, now, need, guard)
local available = nil
if room == nil then available = sync_gate(s, b, now) end

-- 3. nothing says how much may go: one request (or the initial concurrency) at a time
if room == nil and available == nil then
  if in_flight < initial then return admit({}) end
  return refuse(nil, 1)
end

-- 4. the window is unknown: spend the server's remaining; when it is spent, wait for its reset,
-- then one probe
if room == nil then
  if available >= need then return admit({}) end
  local reset = s.sync_reset or 0
  if reset > now then return refuse(reset, 2) end
  -- sends still on their way will re-sync the bucket; one unanswered for long (its report was
  -- lost with a Redis timeout) must not hold the probe back until its lease ends
  local recent = 2 * hold_of(s, guard) + 1000
  if redis.call('ZCOUNT', KEY_FLIGHT, '(' .. (now - recent + lease), '+inf') > 0 then return refuse(nil, 4) end
  if (s.probe_sync or -1) ~= s.sync_seq then return admit({ 'probe_sync', s.sync_seq }) end
  return refuse(now + 1000, 2)
end

-- 5. the window is known: the log
if room < need then
  local _, at = log_gate(s, b, now, need, guard, ahead)
  return refuse(queue(math.max(at, now + 1)), 2)
end
return admit({})
`;
