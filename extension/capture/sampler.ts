/**
 * Throttles pointer input to at most one sample per `intervalMs`. The event
 * handlers only copy a few numbers and a reference: everything that reads
 * style or layout happens later, in the timer, at most once per interval.
 * A click in an interval wins over moves, and the newest input wins otherwise.
 */

import type { Anchor } from "../page/anchor";

export interface RawInput {
  /** The page key when the input happened (see `pageKeyPath`). */
  path: string;
  pageX: number;
  pageY: number;
  clientX: number;
  clientY: number;
  target: EventTarget | null;
  /** Event time, ms since `performance.timeOrigin`. */
  timeStamp: number;
  click: boolean;
  /** A click's anchor, taken at the click (null: none); a move's is worked out in the timer. */
  anchor?: Anchor | null;
}

export interface SamplerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export class Sampler {
  private latest: RawInput | null = null;
  private timer: unknown = null;
  private lastEmit = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (input: RawInput) => void,
    private readonly clock: SamplerClock,
  ) {}

  /** Called from the event handler: constant work, no DOM reads. */
  input(event: RawInput): void {
    if (!this.latest?.click || event.click) this.latest = event;
    if (this.timer === null) {
      const wait = Math.max(0, this.lastEmit + this.intervalMs - this.clock.now());
      this.timer = this.clock.setTimeout(() => this.fire(), wait);
    }
  }

  dispose(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.latest = null;
  }

  private fire(): void {
    this.timer = null;
    const input = this.latest;
    this.latest = null;
    if (!input) return;
    this.lastEmit = this.clock.now();
    this.emit(input);
  }
}
