import { PRELUDE } from './prelude.ts';

/**
 * announce(client, share, until): a process that ran on its local share while Redis was out of
 * reach goes back to the shared bucket. Its local sends (at most `share` units in any window) are
 * in the server's window, not in the log: the bucket counts `share` units for it until they have
 * surely left (`until` ms from now, plus the largest recent round trip for any still on their way).
 *
 * A bucket Redis lost meanwhile (restarted empty) learns the limit and window the share was cut
 * from, so it paces with them (less the shares) from its first take instead of probing into a
 * window the local sends may have filled.
 *
 * The other processes the limit was shared among may still be on their share (they have not
 * reached Redis yet): the bucket reserves a share for each of them too, for a window (plus the
 * largest recent round trip) after the latest announcement.
 *
 * ARGV: client id, share units, until delay ms, key ttl ms, limit (0: unknown), window ms, processes.
 * Reply: the time it counts until (Redis ms).
 */
export const ANNOUNCE_SCRIPT = `${PRELUDE}
local client, share, delay, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local limit, window, processes = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local s = load_state()
local now = clock(s)
local until_at = now + delay + hold_of(s, 100)
redis.call('HSET', KEY_STATE, 'lu:' .. client, share, 'lt:' .. client, until_at)
local others_until = now + math.max(window, 0) + hold_of(s, 100)
if window > 0 and processes > 1 then
  redis.call('HSET', KEY_STATE, 'lo_share', share, 'lo_processes', processes, 'lo_until', math.max(s.lo_until or 0, others_until))
  until_at = math.max(until_at, others_until)
end
if limit > 0 and window > 0 and (s.limit or 0) <= 0 then redis.call('HSET', KEY_STATE, 'limit', limit, 'window', window) end
redis.call('PEXPIRE', KEY_STATE, math.max(ttl, until_at - now + 1000))
return until_at
`;
