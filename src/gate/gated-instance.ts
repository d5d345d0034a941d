import type { Input, KyInstance, Options, ResponsePromise } from 'ky';
import { Gate, type GateShared, type MethodShortcut } from './gate.ts';

const shortcuts: readonly MethodShortcut[] = ['get', 'post', 'put', 'patch', 'head', 'delete', 'query'];

/** The defaults ky holds for an instance (the merged options of its `create`/`extend` chain). */
function defaultsOf(instance: KyInstance): Options {
  let defaults: Options = {};
  // `extend(fn)` hands `fn` the parent's defaults; the instance it builds is thrown away.
  instance.extend((parent) => {
    defaults = parent;
    return {};
  });
  return defaults;
}

/**
 * A ky instance whose calls first wait at the quota's front gate, then call `instance`. `decorate`
 * adds the client's own properties (`quota`, ...) to it and to every instance `extend()` makes.
 */
export function gatedInstance<Api extends KyInstance>(shared: GateShared, instance: KyInstance, decorate: (api: KyInstance) => Api): Api {
  const gate = new Gate(shared, instance, defaultsOf(instance));
  const api = (<T>(input: Input, options?: Options): ResponsePromise<T> => gate.call(input, options, undefined) as ResponsePromise<T>) as KyInstance;
  const methods: Record<MethodShortcut, <T>(input: Input, options?: Options) => ResponsePromise<T>> = {
    get: (input, options) => gate.call(input, options, 'get'),
    post: (input, options) => gate.call(input, options, 'post'),
    put: (input, options) => gate.call(input, options, 'put'),
    patch: (input, options) => gate.call(input, options, 'patch'),
    head: (input, options) => gate.call(input, options, 'head'),
    delete: (input, options) => gate.call(input, options, 'delete'),
    query: (input, options) => gate.call(input, options, 'query'),
  };
  for (const method of shortcuts) Object.defineProperty(api, method, { value: methods[method], enumerable: true, writable: true, configurable: true });
  Object.defineProperties(api, {
    // `create()` starts over without any defaults: ky's own, not under the quota (as ky documents it).
    create: { value: (defaults?: Options) => instance.create(defaults), enumerable: true, writable: true, configurable: true },
    extend: {
      value: (defaults: Options | ((parent: Options) => Options)) => gatedInstance(shared, instance.extend(defaults), decorate),
      enumerable: true,
      writable: true,
      configurable: true,
    },
    stop: { value: instance.stop, enumerable: true },
    retry: { value: instance.retry, enumerable: true },
  });
  return decorate(api);
}
