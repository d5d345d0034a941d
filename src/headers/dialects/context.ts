import type { Clock } from '../clock.ts';
import type { HostDialect } from '../host-registry.ts';
import type { NormalizedHeaders } from '../normalize-headers.ts';
import type { PolicyDraft } from '../policy.ts';

/** What every dialect reads: the normalised headers, the response's clocks, the host's dialect. */
export interface DialectContext {
  readonly headers: NormalizedHeaders;
  readonly clock: Clock;
  readonly host: HostDialect | undefined;
}

/** A dialect reads the headers it knows and drafts one policy per quota it finds. May throw. */
export type Dialect = (context: DialectContext) => PolicyDraft[];
