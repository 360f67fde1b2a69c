/**
 * Shared memory handed out in spans, each within one slab: a new slab is
 * taken when the current one cannot hold the next span, and a slab is let go
 * (collected) once nothing on either thread holds a view of it. What is
 * written in a span and posted to the commit thread as a view reaches it
 * without a copy, where a plain typed array would be copied twice (out of
 * this thread and into that one).
 */
export class SharedSlabs {
  private slab: SharedArrayBuffer;
  private used = 0;

  constructor(private readonly slabBytes: number) {
    this.slab = new SharedArrayBuffer(slabBytes);
  }

  /** Takes `bytes` (rounded up to 8, so that the next span's doubles are aligned); where they start in `buffer`. */
  take(bytes: number): number {
    const rounded = (bytes + 7) & ~7;
    if (this.used + rounded > this.slab.byteLength) {
      this.slab = new SharedArrayBuffer(Math.max(this.slabBytes, rounded));
      this.used = 0;
    }
    const start = this.used;
    this.used += rounded;
    return start;
  }

  /** The slab the last span was taken from. */
  get buffer(): SharedArrayBuffer {
    return this.slab;
  }
}
