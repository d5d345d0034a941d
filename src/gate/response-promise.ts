import type { ResponsePromise } from 'ky';

/** ky's body shortcuts and the `Accept` each sets when the request has none (ky's `responseTypes`). */
export const bodyTypes = {
  json: 'application/json',
  text: 'text/*',
  formData: 'multipart/form-data',
  arrayBuffer: '*/*',
  blob: '*/*',
  bytes: '*/*',
} as const;

/** One of ky's body shortcuts. */
export type BodyType = keyof typeof bodyTypes;

/** What a gated response promise asks of the call behind it. */
export interface BodySource {
  /** ky's own response promise, once the call left the gate. */
  readonly response: ResponsePromise | undefined;
  /** Called before the call left the gate; returns the body's promise. */
  deferBody(type: BodyType, argument: unknown, owner: Promise<Response>): Promise<unknown>;
}

/**
 * The promise a gated call returns while it waits at the gate: a `Promise<Response>` with ky's
 * body shortcuts (`.json()`, `.text()`, ...), as ky's `ResponsePromise` is. The shortcuts live on
 * the prototype, so a waiting call holds no closures for them; one called before the call leaves
 * the gate is handed to ky's own promise as soon as ky is called (in time for ky to set `Accept`).
 */
export class GatedResponsePromise extends Promise<Response> {
  // `then()` and friends return plain promises (the subclass constructor takes a source, not an executor).
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly #source: BodySource;

  constructor(source: BodySource, executor: (resolve: (value: Response | PromiseLike<Response>) => void, reject: (reason: unknown) => void) => void) {
    super(executor);
    this.#source = source;
  }

  json(schema?: unknown): Promise<unknown> {
    return this.#body('json', schema, arguments.length > 0);
  }

  text(): Promise<unknown> {
    return this.#body('text', undefined, false);
  }

  formData(): Promise<unknown> {
    return this.#body('formData', undefined, false);
  }

  arrayBuffer(): Promise<unknown> {
    return this.#body('arrayBuffer', undefined, false);
  }

  blob(): Promise<unknown> {
    return this.#body('blob', undefined, false);
  }

  bytes(): Promise<unknown> {
    return this.#body('bytes', undefined, false);
  }

  #body(type: BodyType, argument: unknown, hasArgument: boolean): Promise<unknown> {
    const response = this.#source.response;
    if (response === undefined) return this.#source.deferBody(type, argument, this);
    const method = response[type] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method !== 'function') return Promise.reject(new TypeError(`This runtime has no Response.${type}()`));
    return hasArgument ? method.call(response, argument) : method.call(response);
  }
}
