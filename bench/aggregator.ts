/**
 * The pane-ring aggregator against the naive per-window one, on the same
 * seeded stream, in this process. The stream is what the gateway hands the
 * window stage: batches of one page's points, a little late, as browsers
 * send them every second.
 */
import { performance } from "node:perf_hooks";
import { type AddCounts, HoppingHeatmap } from "../companion/src/window/hopping-heatmap";
import { NaiveHeatmap } from "../companion/src/window/naive-heatmap";

export const HOP = 250;
export const WINDOWS = [10_000, 60_000, 300_000];
/** Pages, tabs on each, and the points a tab sends per batch (one second at 4 Hz). */
const PAGES_DEFAULT = 800;
const TABS_PER_PAGE = 10;
const BATCH = 4;
const COLS = 50;
const ROWS = 120;

/** Mulberry32: a small seeded generator, so every run sees the same stream. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stream {
  /** Companion time at which each batch arrives. */
  arrivals: Float64Array;
  keys: string[];
  times: Float64Array[];
  cells: Int32Array[];
}

/**
 * About `events` points from PAGES × TABS_PER_PAGE tabs, each a cursor
 * wandering over its page; every tab sends its last second's four samples
 * once a second, the tabs in a random order.
 */
export function makeStream(events: number, start: number, pages = PAGES_DEFAULT): Stream {
  const random = seeded(42);
  const tabs = Array.from({ length: pages * TABS_PER_PAGE }, (_, i) => ({
    key: `desktop|/page/${i % pages}`,
    col: Math.floor(random() * COLS),
    row: Math.floor(random() * ROWS),
  }));
  const stream: Stream = { arrivals: new Float64Array(Math.ceil(events / BATCH)), keys: [], times: [], cells: [] };
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  let batch = 0;
  for (let second = 1; batch < stream.arrivals.length; second++) {
    const order = tabs.map((tab) => ({ tab, at: random() }));
    order.sort((a, b) => a.at - b.at);
    for (const { tab, at } of order) {
      if (batch === stream.arrivals.length) break;
      const arrival = start + (second + at) * 1000;
      const times = new Float64Array(BATCH);
      const cells = new Int32Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        tab.col = clamp(tab.col + Math.floor(random() * 5) - 2, COLS);
        tab.row = clamp(tab.row + Math.floor(random() * 5) - 2, ROWS);
        times[i] = arrival - 1000 + i * 250 + random() * 250;
        cells[i] = (tab.row * COLS + tab.col) * 2;
      }
      stream.arrivals[batch++] = arrival;
      stream.keys.push(tab.key);
      stream.times.push(times);
      stream.cells.push(cells);
    }
  }
  return stream;
}

interface Aggregator {
  addMany(key: string, times: ArrayLike<number>, cells: ArrayLike<number>, into: AddCounts): void;
  advance(now: number): void;
}

/** Feeds the stream, closing panes as the clock passes them; events per second. */
export function run(stream: Stream, batches: number, aggregator: Aggregator): number {
  const counts: AddCounts = { open: 0, late: 0, tooOld: 0 };
  const began = performance.now();
  let nextTick = (stream.arrivals[0] as number) + HOP;
  for (let b = 0; b < batches; b++) {
    const now = stream.arrivals[b] as number;
    if (now >= nextTick) {
      aggregator.advance(now);
      nextTick += HOP;
    }
    aggregator.addMany(
      stream.keys[b] as string,
      stream.times[b] as Float64Array,
      stream.cells[b] as Int32Array,
      counts,
    );
  }
  aggregator.advance((stream.arrivals[batches - 1] as number) + HOP);
  return (batches * BATCH) / ((performance.now() - began) / 1000);
}

export interface AggregatorResult {
  naiveEventsPerSec: number;
  paneSameEventsPerSec: number;
  /** 4M events from a team's load: 100 tabs on 10 pages. */
  aggEventsPerSec: number;
  paneVsNaive: number;
  /** The pane ring's rate by number of pages (10 tabs each). */
  byPages: [number, number][];
}

export function benchAggregator(): AggregatorResult {
  const start = 1_800_000_000_000;
  // The naive aggregator is slow: compare on 20,000 events of 10 pages (50 s of their traffic).
  const naiveStream = makeStream(20_000, start, 10);
  const paneStream = makeStream(4_000_000, start, 10);
  const pane = () => new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start });
  const naive = () => new NaiveHeatmap(HOP, WINDOWS, start);
  const naiveBatches = naiveStream.arrivals.length;
  // Warm both up, then measure them on the same batches.
  run(naiveStream, naiveBatches / 10, naive());
  run(paneStream, paneStream.arrivals.length / 10, pane());
  const naiveEventsPerSec = run(naiveStream, naiveBatches, naive());
  const paneSameEventsPerSec = run(naiveStream, naiveBatches, pane());
  const aggEventsPerSec = run(paneStream, paneStream.arrivals.length, pane());
  const byPages: [number, number][] = [[10, aggEventsPerSec]];
  for (const pages of [100, 800]) {
    const stream = makeStream(4_000_000, start, pages);
    byPages.push([pages, run(stream, stream.arrivals.length, pane())]);
  }
  return {
    naiveEventsPerSec,
    paneSameEventsPerSec,
    aggEventsPerSec,
    paneVsNaive: paneSameEventsPerSec / naiveEventsPerSec,
    byPages,
  };
}
