/**
 * A fetched view that follows the live heat: one tester's last window (the
 * Tester row) or a comparison (the Compare row) is asked again when a live
 * grid arrives, at most once per companion refresh (at least a second), and
 * never while the last ask is unanswered, so that the view on screen stays
 * until the new answer replaces it. Once its signal aborts (the overlay
 * closed) it asks nothing more. What to ask, and whether the view is still
 * on, is the caller's.
 */

/** The companion's refresh may be short (or unknown, 0): no view is asked again more often than this. */
export const FOLLOW_MIN_MS = 1000;

export class LiveFollow {
  private askedAt = Number.NEGATIVE_INFINITY;
  /** The newest ask, and whether it is unanswered. */
  private asks = 0;
  private waiting = false;

  constructor(
    private readonly signal: AbortSignal,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** An ask of the view (a choice in the panel, or a follow-up): its answer is awaited before the next follow-up. */
  track<T>(answer: Promise<T>): Promise<T> {
    const ask = ++this.asks;
    this.askedAt = this.clock();
    this.waiting = true;
    const settled = () => {
      if (ask === this.asks) this.waiting = false;
    };
    answer.then(settled, settled);
    return answer;
  }

  /** On a live grid: whether to ask the view again now. */
  due(refreshMs: number): boolean {
    if (this.signal.aborted || this.waiting) return false;
    return this.clock() - this.askedAt >= Math.max(FOLLOW_MIN_MS, refreshMs);
  }
}
