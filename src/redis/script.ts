import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by `EVALSHA`, falling back to `EVAL` (which also caches it) when Redis answers
 * `NOSCRIPT`: after a restart, a `SCRIPT FLUSH` or a failover to a replica that never saw it.
 * The same contract as ioredis `defineCommand`, without adding methods to the caller's client.
 */
export class LuaScript {
  readonly sha: string;
  readonly #source: string;
  readonly #keys: number;
  /** Times Redis did not know the script and it was sent in full (diagnostics and tests). */
  reloads = 0;

  constructor(source: string, keys: number) {
    this.#source = source;
    this.#keys = keys;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, this.#keys, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      this.reloads++;
      return await redis.eval(this.#source, this.#keys, ...keys, ...args);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
