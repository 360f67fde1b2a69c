import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FOLLOW_MIN_MS, LiveFollow } from "./follow-live";

/** A companion that pushes a live grid every `gridMs` and answers each ask after `answerMs`, on fake timers. */
async function run(options: {
  refreshMs: number;
  gridMs: number;
  answerMs: number;
  forMs: number;
  signal?: AbortSignal;
}) {
  const follow = new LiveFollow(options.signal ?? new AbortController().signal);
  const asks: number[] = [];
  const ask = () => {
    asks.push(Date.now());
    void follow.track(new Promise((resolve) => setTimeout(resolve, options.answerMs)));
  };
  ask();
  const grids = setInterval(() => {
    if (follow.due(options.refreshMs)) ask();
  }, options.gridMs);
  await vi.advanceTimersByTimeAsync(options.forMs);
  clearInterval(grids);
  return asks;
}

describe("a view following the live heat", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is asked again at most once per companion refresh, on the live grids", async () => {
    const asks = await run({ refreshMs: 2000, gridMs: 250, answerMs: 50, forMs: 10_000 });
    // At 0 (the choice), then on the grids at 2 s, 4 s, 6 s, 8 s and 10 s.
    expect(asks.map((t) => t - 1_000_000)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });

  it("is never asked more often than once a second, even with a short or unknown refresh", async () => {
    for (const refreshMs of [0, 200]) {
      const asks = await run({ refreshMs, gridMs: 100, answerMs: 10, forMs: 5000 });
      expect(asks.map((t) => t - (asks[0] as number))).toEqual([0, 1, 2, 3, 4, 5].map((n) => n * FOLLOW_MIN_MS));
    }
  });

  it("waits for the last answer before asking again, so a slow companion is not asked twice at once", async () => {
    const asks = await run({ refreshMs: 1000, gridMs: 100, answerMs: 3000, forMs: 10_000 });
    // Each answer takes 3 s: the next ask is on the first grid after it (at most one grid, 100 ms, later).
    expect(asks.length).toBe(4);
    for (let i = 1; i < asks.length; i++) {
      const gap = (asks[i] as number) - (asks[i - 1] as number);
      expect(gap).toBeGreaterThanOrEqual(3000);
      expect(gap).toBeLessThanOrEqual(3100);
    }
  });

  it("asks nothing more once the overlay is closed (its signal aborted)", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 4500);
    const asks = await run({ refreshMs: 1000, gridMs: 100, answerMs: 10, forMs: 10_000, signal: controller.signal });
    expect(asks.map((t) => t - 1_000_000)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("counts from a choice in the panel: a new ask restarts the wait and supersedes an unanswered one", async () => {
    const follow = new LiveFollow(new AbortController().signal);
    void follow.track(new Promise(() => undefined));
    vi.advanceTimersByTime(5000);
    expect(follow.due(1000)).toBe(false);
    void follow.track(Promise.resolve());
    expect(follow.due(1000)).toBe(false);
    vi.advanceTimersByTime(999);
    expect(follow.due(1000)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(follow.due(1000)).toBe(true);
  });
});
