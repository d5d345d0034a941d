/** What every contender gets and returns. */
export interface ClientContext {
  /** The server's base URL, ending in `/`; contenders request `x` under it. */
  url: string;
  /** Requests queued at once at the start of the run. */
  total: number;
  durationMs: number;
  /** The documented limit and window, for contenders that take one (ky-quota is told nothing). */
  limit: number;
  windowMs: number;
  /** Aborts when the run's time is up: send nothing more, settle promptly. */
  signal: AbortSignal;
  fetch: typeof globalThis.fetch;
}

export interface ClientResult {
  /** 2xx responses the client received. */
  ok: number;
  /** 429 responses the client received (retried ones included). */
  rejected429: number;
  /** Failures other than 429s and the run's own abort. */
  errors: number;
  /** Requests cut off (queued or in flight) when the run ended. */
  aborted: number;
  extra?: Record<string, unknown>;
}

export interface Contender {
  name: string;
  /** Whether it is configured with the documented limit. */
  toldLimit: boolean;
  run(context: ClientContext): Promise<ClientResult>;
}
