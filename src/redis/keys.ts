/** The Redis keys of one bucket: one hash tag, so Redis Cluster keeps them on one slot. */
export function bucketKeys(
  prefix: string,
  bucket: string,
): [state: string, log: string, inFlight: string, clients: string, rtt: string, release: string, waiting: string] {
  const base = `${prefix}:{${bucket}}`;
  return [`${base}:state`, `${base}:log`, `${base}:flight`, `${base}:clients`, `${base}:rtt`, `${base}:release`, `${base}:waiting`];
}

/** The pub/sub channel reports publish a bucket's name on when its waiters may go sooner. */
export const wakeChannel = (prefix: string): string => `${prefix}:wake`;
