import { browserChannel, type ChannelPort, type OpenChannel } from '../store/broadcast/ports.ts';
import { supportsBroadcastChannel, supportsDocument } from '../utils/supports.ts';
import { POLL_PROTOCOL_VERSION, isPollMessage, type PollMessage } from './protocol.ts';

/** A message as a feed or the registry writes it; the channel adds the version and the sender. */
export type OutgoingPollMessage = PollMessage extends infer M ? (M extends PollMessage ? Omit<M, 'v' | 'from'> : never) : never;

/**
 * The tab's end of the polling channel. In a page it is a `BroadcastChannel` of its own (never the
 * store's: the store's protocol is another helper's and versioned apart); in Node and workers there
 * is nothing to share with, and posts go nowhere.
 */
export class PollChannel {
  readonly #port: ChannelPort | undefined;
  readonly #tabId: string;

  constructor(port: ChannelPort | undefined, tabId: string, listener: (message: PollMessage) => void) {
    this.#port = port;
    this.#tabId = tabId;
    port?.listen((message) => {
      if (isPollMessage(message) && message.from !== tabId) listener(message);
    });
  }

  /** False when there is no other tab to talk to. */
  get connected(): boolean {
    return this.#port !== undefined;
  }

  post(message: OutgoingPollMessage): void {
    if (this.#port === undefined) return;
    try {
      this.#port.post({ ...message, v: POLL_PROTOCOL_VERSION, from: this.#tabId });
    } catch {
      // A closed channel (the page is going away) or an uncloneable body: sharing is best effort.
    }
  }

  close(): void {
    this.#port?.close();
  }
}

/**
 * The channel opener a page uses by default: a `BroadcastChannel` where a `document` and
 * `BroadcastChannel` exist, none elsewhere (Node's channel reaches only the threads of one process,
 * and would keep it alive).
 */
export function defaultPollChannel(): OpenChannel | undefined {
  return supportsDocument() && supportsBroadcastChannel() ? browserChannel : undefined;
}
