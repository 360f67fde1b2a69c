/**
 * Holds page keys to `--max-keys` in total and `--max-keys-per-client` per
 * client. A batch is checked when it arrives but its keys become live only
 * once it is committed, so keys of batches still on their way to the store
 * are reserved and counted too: a client that sends many batches without
 * waiting for their acks cannot pass the limits. Does not decide what a key
 * is; it is given the keys and asked about liveness.
 */

export interface LiveKeys {
  isLive(key: string): boolean;
  readonly liveKeys: number;
}

export interface KeyLimits {
  maxKeys: number;
  maxKeysPerClient: number;
}

/** `retry`: whether the batch can be taken later, as pages expire; false when it alone brings more than a limit. */
export type Reservation = { ok: true; release(): void } | { ok: false; reason: string; retry: boolean };

export class KeyBudget {
  /**
   * Keys of batches in flight, with the number of batches that hold them. A
   * key live when its batch arrived is held too: it can expire before the
   * batch is committed, and then it is pending like any new one.
   */
  private readonly reserved = new Map<string, number>();
  /** Keys each client created, live or reserved. */
  private readonly byClient = new Map<string, Set<string>>();

  constructor(
    private readonly live: LiveKeys,
    private readonly limits: KeyLimits,
  ) {}

  /** Reserves the keys of one batch until `release()` (called once it is published or refused). */
  reserve(client: string, keys: Iterable<string>): Reservation {
    const held = [...keys];
    const fresh = held.filter((key) => !this.live.isLive(key));
    const created = this.createdBy(client);
    const newOverall = fresh.filter((key) => !this.reserved.has(key));
    if (newOverall.length > this.limits.maxKeys) {
      const reason = `this batch brings ${newOverall.length} new live pages, more than the companion's ${this.limits.maxKeys} (--max-keys)`;
      return { ok: false, reason, retry: false };
    }
    if (newOverall.length > 0 && this.total() + newOverall.length > this.limits.maxKeys) {
      return { ok: false, reason: `the companion already holds ${this.limits.maxKeys} live pages`, retry: true };
    }
    const newForClient = fresh.filter((key) => !created.has(key)).length;
    const { maxKeysPerClient } = this.limits;
    // Keys that expired since no longer count; they are looked for only near the limit.
    if (newForClient > 0 && created.size + newForClient > maxKeysPerClient) this.forgetExpired(created);
    if (newForClient > maxKeysPerClient) {
      const reason = `this batch brings ${newForClient} new live pages, more than the ${maxKeysPerClient} a client may feed (--max-keys-per-client)`;
      return { ok: false, reason, retry: false };
    }
    if (newForClient > 0 && created.size + newForClient > maxKeysPerClient) {
      const reason = `this client feeds ${created.size} live pages, and this batch would bring ${newForClient} more, past ${maxKeysPerClient}`;
      return { ok: false, reason, retry: true };
    }
    for (const key of held) this.reserved.set(key, (this.reserved.get(key) ?? 0) + 1);
    for (const key of fresh) created.add(key);
    return new Held(this.reserved, held);
  }

  /** Live keys plus reserved keys that are not live yet. */
  private total(): number {
    let pending = 0;
    for (const key of this.reserved.keys()) if (!this.live.isLive(key)) pending++;
    return this.live.liveKeys + pending;
  }

  private createdBy(client: string): Set<string> {
    let keys = this.byClient.get(client);
    if (!keys) {
      keys = new Set();
      this.byClient.set(client, keys);
    }
    return keys;
  }

  private forgetExpired(keys: Set<string>): void {
    for (const key of keys) if (!this.live.isLive(key) && !this.reserved.has(key)) keys.delete(key);
  }
}

/**
 * A batch's keys, held until released. A class rather than a closure per
 * batch: the companion runs through tsx, which names each closure it makes.
 */
class Held {
  readonly ok = true;
  private released = false;

  constructor(
    private readonly reserved: Map<string, number>,
    private readonly keys: readonly string[],
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const key of this.keys) {
      const n = (this.reserved.get(key) ?? 1) - 1;
      if (n > 0) this.reserved.set(key, n);
      else this.reserved.delete(key);
    }
  }
}
