/** Points per second over the last `seconds` seconds, in one-second buckets. */
export class RateMeter {
  private readonly buckets: number[];
  private current = 0;

  constructor(
    private readonly seconds = 10,
    private readonly clock: () => number = Date.now,
  ) {
    this.buckets = new Array(seconds).fill(0);
    this.current = Math.floor(clock() / 1000);
  }

  add(n: number): void {
    this.roll();
    this.buckets[this.current % this.seconds] = (this.buckets[this.current % this.seconds] as number) + n;
  }

  /** Average per second over the window, the current second included. */
  get perSecond(): number {
    this.roll();
    return this.buckets.reduce((a, b) => a + b, 0) / this.seconds;
  }

  private roll(): void {
    const now = Math.floor(this.clock() / 1000);
    for (let s = Math.max(this.current + 1, now - this.seconds + 1); s <= now; s++) this.buckets[s % this.seconds] = 0;
    if (now > this.current) this.current = now;
  }
}
