/**
 * What the gateway remembers about one capture client (one browser profile),
 * across its connections: which batches it already delivered, its rate
 * budget and its clock offset (the keys it created are in KeyBudget).
 */

/**
 * Remembers delivered sequence numbers so that a resent batch is answered
 * without a trip to the store. A cache, never the authority: `has` is true
 * only for a number it knows was delivered, and a number it does not know is
 * asked of the store, whose (client, seq) table decides.
 *
 * It knows one run of consecutive numbers, `lo..hi`, started by the first
 * number it is told of (a client already far along when the companion
 * starts), and the numbers apart from it. Numbers told in order extend the run
 * at no cost; one that joins the run takes the numbers next to it along. A gap
 * that never fills (a batch refused for a while, resent much later) costs
 * memory only up to `maxApart`: past it the run starts again at the lowest
 * number apart, and what the old run held is left to the store.
 */
export class SeqDedup {
  private lo = 0;
  /** Below `lo` while no number is known. */
  private hi = -1;
  private readonly apart = new Set<number>();

  constructor(private readonly maxApart = 4096) {}

  has(seq: number): boolean {
    return (seq >= this.lo && seq <= this.hi) || this.apart.has(seq);
  }

  add(seq: number): void {
    if (this.hi < this.lo) {
      this.lo = seq;
      this.hi = seq;
    } else if (seq === this.hi + 1) this.hi = seq;
    else if (seq === this.lo - 1) this.lo = seq;
    else if (!this.has(seq)) {
      this.apart.add(seq);
      if (this.apart.size > this.maxApart) this.restart();
      return;
    } else return;
    if (this.apart.size === 0) return;
    while (this.apart.delete(this.hi + 1)) this.hi++;
    while (this.apart.delete(this.lo - 1)) this.lo--;
  }

  /** The run starts again at the lowest number apart, with those that follow it. */
  private restart(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const n of this.apart) if (n < lowest) lowest = n;
    this.apart.delete(lowest);
    this.lo = lowest;
    this.hi = lowest;
    while (this.apart.delete(this.hi + 1)) this.hi++;
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
 * A sample more than this above the offset says the client's clock was set
 * back (corrected after running ahead, a virtual machine resumed): no
 * network delay on a team's network comes near it.
 */
export const CLOCK_STEP_MS = 2000;

/**
 * Estimates how far the client's clock is behind the companion's. Each batch
 * gives one sample, `arrival - sentAt`, which overstates the offset by the
 * network delay; the smallest of the recent samples is the best estimate.
 * A clock set forward shows at once as a smaller sample. A clock set back
 * shows as a sample more than CLOCK_STEP_MS above the estimate: the samples
 * start again from it, so that the client's next batches are not filed back
 * by the old offset (out of the live windows) until the old samples roll
 * over. A batch merely delayed that long is placed that much later, at most
 * at its arrival, and the next sample brings the estimate back down.
 */
export class ClockOffset {
  private readonly samples: number[] = [];

  constructor(private readonly keep = 16) {}

  observe(sentAt: number, arrival: number): void {
    const sample = arrival - sentAt;
    if (this.samples.length > 0 && sample - this.offset > CLOCK_STEP_MS) this.samples.length = 0;
    this.samples.push(sample);
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
