/**
 * What the gateway remembers about one capture client (one browser profile),
 * across its connections: which batches it already delivered, its rate
 * budget and its clock offset (the keys it created are in KeyBudget).
 */

/**
 * Remembers delivered sequence numbers so that a resent batch is answered
 * without a trip to the store. A cache, never the authority: `has` is true
 * only for a number it knows was delivered, and a number it does not know is
 * asked of the store, whose (client, seq) table decides. So a gap that never
 * fills (a batch refused for a while, resent much later) costs memory only up
 * to `maxAbove`: past it the lowest numbers above the gap are forgotten, not
 * assumed delivered.
 */
export class SeqDedup {
  /** Every seq below `floor` was delivered. */
  private floor = 0;
  private readonly above = new Set<number>();

  constructor(private readonly maxAbove = 4096) {}

  has(seq: number): boolean {
    return seq < this.floor || this.above.has(seq);
  }

  add(seq: number): void {
    if (seq < this.floor) return;
    this.above.add(seq);
    while (this.above.delete(this.floor)) this.floor++;
    if (this.above.size > this.maxAbove) {
      let lowest = Number.POSITIVE_INFINITY;
      for (const n of this.above) if (n < lowest) lowest = n;
      this.above.delete(lowest);
    }
  }
}

/** Token bucket over points: `rate` per second, holding at most `burst`. */
export class PointBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(points: number, now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (points > this.tokens) return false;
    this.tokens -= points;
    return true;
  }
}

/**
 * Estimates how far the client's clock is behind the companion's. Each batch
 * gives one sample, `arrival - sentAt`, which overstates the offset by the
 * network delay; the smallest of the recent samples is the best estimate.
 */
export class ClockOffset {
  private readonly samples: number[] = [];

  constructor(private readonly keep = 16) {}

  observe(sentAt: number, arrival: number): void {
    this.samples.push(arrival - sentAt);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  get offset(): number {
    const { samples } = this;
    if (samples.length === 0) return 0;
    let least = samples[0] as number;
    for (let i = 1; i < samples.length; i++) least = Math.min(least, samples[i] as number);
    return least;
  }
}

export interface ClientState {
  dedup: SeqDedup;
  budget: PointBudget;
  clock: ClockOffset;
}
