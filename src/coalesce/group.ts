import { coalesceKeyOfRequest } from './key.ts';

/** A follower of a group: it can tell whether it is still waiting. */
export interface Follower {
  /** It left (aborted) or was settled some other way. */
  readonly left: boolean;
}

/**
 * Identical requests queued or in flight at once: one primary that really sends, and followers
 * that wait for its response. The group takes followers until the primary's first response
 * arrives; from then on an identical request starts a group of its own (its data would be newer).
 * Each attempt's response is copied (`clone()`) only while followers wait, so a request nobody
 * joined costs nothing.
 */
export class CoalesceGroup<Member extends Follower> {
  readonly key: string;
  /** The member that sends for the group. */
  primary: Member | undefined;
  /** Followers in arrival order (made on the first; most requests have none). */
  #followers: Member[] | undefined;
  #registry: CoalesceRegistry<Member> | undefined;
  #held: Response | undefined;
  #heldKey: string | undefined;

  constructor(key: string, registry: CoalesceRegistry<Member>, primary: Member) {
    this.key = key;
    this.#registry = registry;
    this.primary = primary;
  }

  /** Still taking followers. */
  get open(): boolean {
    return this.#registry !== undefined;
  }

  /** The key of the built request whose response is held (followers compare their own against it). */
  get heldKey(): string | undefined {
    return this.#heldKey;
  }

  /** Followers still waiting, in arrival order. */
  liveFollowers(): Member[] {
    return this.#followers?.filter((follower) => !follower.left) ?? [];
  }

  /** Whether any follower still waits. */
  hasLiveFollowers(): boolean {
    return this.#followers?.some((follower) => !follower.left) === true;
  }

  /** A new follower. */
  add(follower: Member): void {
    (this.#followers ??= []).push(follower);
  }

  /** A follower that stops following (it takes the primary's place). */
  remove(follower: Member): void {
    const index = this.#followers?.indexOf(follower) ?? -1;
    if (index !== -1) this.#followers?.splice(index, 1);
  }

  /** Take no more followers. */
  close(): void {
    this.#registry?.forget(this);
    this.#registry = undefined;
  }

  /**
   * An attempt of the primary got `response`: keep a copy for the followers (the latest attempt
   * wins), and take no more followers.
   */
  record(response: Response, request: Request): void {
    this.close();
    if (!this.hasLiveFollowers()) return;
    this.#discardHeld();
    this.#held = response.clone();
    this.#heldKey = coalesceKeyOfRequest(request);
  }

  /** One response per follower, copies of the held one (the last gets the held one itself); `undefined` when none is held. */
  share(count: number): Response[] | undefined {
    const held = this.#held;
    if (held === undefined) return undefined;
    this.#held = undefined;
    if (count === 0) {
      cancelBody(held);
      return [];
    }
    const responses: Response[] = [];
    for (let index = 0; index < count - 1; index++) responses.push(held.clone());
    responses.push(held);
    return responses;
  }

  /** Drop the held copy, if any (nobody will read it). */
  discard(): void {
    this.#discardHeld();
  }

  #discardHeld(): void {
    if (this.#held !== undefined) cancelBody(this.#held);
    this.#held = undefined;
    this.#heldKey = undefined;
  }
}

/** The open groups of one client, by {@link coalesceKey}. */
export class CoalesceRegistry<Member extends Follower> {
  readonly #groups = new Map<string, CoalesceGroup<Member>>();

  /** Open groups. */
  get size(): number {
    return this.#groups.size;
  }

  /** The open group for `key`, if any. */
  find(key: string): CoalesceGroup<Member> | undefined {
    return this.#groups.get(key);
  }

  /** Open a group for `key`, `primary` sending for it. */
  open(key: string, primary: Member): CoalesceGroup<Member> {
    const group = new CoalesceGroup<Member>(key, this, primary);
    this.#groups.set(key, group);
    return group;
  }

  /** @internal */
  forget(group: CoalesceGroup<Member>): void {
    if (this.#groups.get(group.key) === group) this.#groups.delete(group.key);
  }
}

/** Let go of a body nobody will read (a tee branch left unread would buffer the whole body). */
export function cancelBody(response: Response): void {
  if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(() => undefined);
}
