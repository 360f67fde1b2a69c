/**
 * The pane-ring aggregator against the naive per-window one, on the same
 * seeded stream, in this process. The stream is what the gateway hands the
 * window stage: batches of one page's points, a little late, as browsers
 * send them every second. The anchored figures run the window stage itself
 * (page ring, side ring and anchor tables) on the same stream, with and
 * without anchors.
 */
import { performance } from "node:perf_hooks";
import { InProcessBus } from "../companion/src/bus/bus";
import { DEFAULTS } from "../companion/src/options";
import type { KeyedPoints, Topics } from "../companion/src/pipeline";
import { type AddCounts, HoppingHeatmap } from "../companion/src/window/hopping-heatmap";
import { NaiveHeatmap } from "../companion/src/window/naive-heatmap";
import { WindowStage } from "../companion/src/window/window-stage";
import { ANCHOR_UNITS, anchorKey, anchorTile, pointCell, sideCell } from "../protocol/anchor";
import { bandsFromBreakpoints, DEFAULT_BAND_BREAKPOINTS, unpackCell } from "../protocol/grid";
import { makeKey } from "../protocol/page-key";
import { heldBytes, median } from "./stats";

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

/**
 * Batch b is points b × BATCH … (b + 1) × BATCH − 1. Flat arrays: millions
 * of small ones would fill the heap the collector walks during the timing.
 */
interface Stream {
  /** Companion time at which each batch arrives. */
  arrivals: Float64Array;
  /** Index in `keys` of each batch's key. */
  keyOf: Int32Array;
  keys: string[];
  times: Float64Array;
  cells: Int32Array;
}

/**
 * About `events` points from PAGES × TABS_PER_PAGE tabs, each a cursor
 * wandering over its page; every tab sends its last second's four samples
 * once a second, the tabs in a random order.
 */
export function makeStream(events: number, start: number, pages = PAGES_DEFAULT): Stream {
  const random = seeded(42);
  const tabs = Array.from({ length: pages * TABS_PER_PAGE }, (_, i) => ({
    key: i % pages,
    col: Math.floor(random() * COLS),
    row: Math.floor(random() * ROWS),
  }));
  const batches = Math.ceil(events / BATCH);
  const stream: Stream = {
    arrivals: new Float64Array(batches),
    keyOf: new Int32Array(batches),
    keys: Array.from({ length: pages }, (_, i) => `desktop|/page/${i}`),
    times: new Float64Array(batches * BATCH),
    cells: new Int32Array(batches * BATCH),
  };
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  let batch = 0;
  for (let second = 1; batch < stream.arrivals.length; second++) {
    const order = tabs.map((tab) => ({ tab, at: random() }));
    order.sort((a, b) => a.at - b.at);
    for (const { tab, at } of order) {
      if (batch === stream.arrivals.length) break;
      const arrival = start + (second + at) * 1000;
      for (let i = 0; i < BATCH; i++) {
        tab.col = clamp(tab.col + Math.floor(random() * 5) - 2, COLS);
        tab.row = clamp(tab.row + Math.floor(random() * 5) - 2, ROWS);
        stream.times[batch * BATCH + i] = arrival - 1000 + i * 250 + random() * 250;
        stream.cells[batch * BATCH + i] = (tab.row * COLS + tab.col) * 2;
      }
      stream.keyOf[batch] = tab.key;
      stream.arrivals[batch++] = arrival;
    }
  }
  return stream;
}

interface Aggregator {
  addMany(key: string, times: ArrayLike<number>, cells: ArrayLike<number>, into: AddCounts): void;
  advance(now: number): void;
}

/**
 * Feeds the stream, closing panes as the clock passes them; events per second. `watch` runs after each
 * close, as the window stage reads the grids its viewers watch.
 */
export function run(stream: Stream, batches: number, aggregator: Aggregator, watch?: () => void): number {
  const counts: AddCounts = { open: 0, late: 0, tooOld: 0 };
  // Each batch is copied into arrays of its own, as a decoded frame would hand it over.
  const times = new Float64Array(BATCH);
  const cells = new Int32Array(BATCH);
  const began = performance.now();
  let nextTick = (stream.arrivals[0] as number) + HOP;
  for (let b = 0; b < batches; b++) {
    const now = stream.arrivals[b] as number;
    if (now >= nextTick) {
      aggregator.advance(now);
      watch?.();
      nextTick += HOP;
    }
    for (let i = 0; i < BATCH; i++) {
      times[i] = stream.times[b * BATCH + i] as number;
      cells[i] = stream.cells[b * BATCH + i] as number;
    }
    aggregator.addMany(stream.keys[stream.keyOf[b] as number] as string, times, cells, counts);
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

export interface KeysResult {
  keys: number;
  /** Keys whose live grid in the longest window was read after every hop, as a watched page's is. */
  watched: number;
  /**
   * The median of the rounds, each on a fresh ring. The first rounds of a process map fresh memory (page
   * faults, time in the kernel) and can run slower than the later ones, which reuse what the rings before
   * freed, as a companion running for a while does.
   */
  eventsPerSec: number;
  /** The slowest and the fastest round. */
  range: [number, number];
  rounds: number;
  /** Heap held per key after the run (its events in the pane ring, its totals, the grids read), after a full collection. */
  bytesPerKey: number;
}

/**
 * The pane ring at `keys` live keys (pages × bands: here one band), 10 tabs
 * each, over 4M events: 100 s of 1,000 keys' traffic, 10 s of 10,000 keys'.
 * With `watched`, that many keys' live grids in the longest window are read
 * after every hop, as the window stage reads the pages viewers watch (each
 * changes at every hop here). Needs node --expose-gc.
 */
export function benchKeys(keys: number, watched = 0, events = 4_000_000, rounds = 5): KeysResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const start = 1_800_000_000_000;
  const stream = makeStream(events, start, keys);
  const pane = () => new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start });
  const longest = WINDOWS.length - 1;
  let cells = 0;
  const count = () => cells++;
  const watching = (ring: HoppingHeatmap) => () => {
    for (let k = 0; k < watched; k++) ring.forEachCell(stream.keys[k] as string, longest, count, true);
  };
  // The warm-up ring stays alive until both readings: a dead one's buffers are freed after some collection or other, and would fall in one reading and not the other.
  const warm = pane();
  run(stream, stream.arrivals.length / 10, warm, watching(warm));
  gc();
  const before = heldBytes();
  const heatmap = pane();
  const eventsPerSec = run(stream, stream.arrivals.length, heatmap, watching(heatmap));
  gc();
  const after = heldBytes();
  if (heatmap.size !== keys || warm.size !== keys) {
    throw new Error(`expected ${keys} live keys, found ${heatmap.size} (${warm.size} after the warm-up)`);
  }
  if (heatmap.keptKeys !== watched || (watched > 0 && cells === 0)) {
    throw new Error(
      `expected ${watched} watched keys' grids kept and read, found ${heatmap.keptKeys} (${cells} cells read)`,
    );
  }
  const held = after - before;
  const rates = [eventsPerSec];
  for (let i = 1; i < rounds; i++) {
    // Each round on a fresh ring after a full collection, as the first: the rings before are garbage by then.
    gc();
    const ring = pane();
    rates.push(run(stream, stream.arrivals.length, ring, watching(ring)));
  }
  return {
    keys,
    watched,
    eventsPerSec: median(rates),
    range: [Math.min(...rates), Math.max(...rates)],
    rounds,
    bytesPerKey: held / keys,
  };
}

/** Anchors per page in the anchored benchmarks: the page cut into 20 × 10 blocks, one element each. */
export const ANCHORS_PER_PAGE = 200;
const BLOCK_ROWS = ROWS / 20;
const BLOCK_COLS = COLS / 10;

/**
 * A window stage on an in-process bus, as the companion wires it, with
 * nobody watching: what a batch costs from the bus to the pane rings.
 */
export function anchoredStage(start: number): { stage: WindowStage; bus: InProcessBus<Topics> } {
  const bus = new InProcessBus<Topics>();
  const stage = new WindowStage(bus, {
    hopMs: HOP,
    windowsMs: WINDOWS,
    cols: COLS,
    bands: bandsFromBreakpoints(DEFAULT_BAND_BREAKPOINTS),
    maxAnchors: ANCHORS_PER_PAGE,
    livePushMs: DEFAULTS.livePushMs,
    maxSignals: DEFAULTS.maxSignals,
    now: start,
  });
  return { stage, bus };
}

/**
 * What ingest makes of one tab's batch: the page's group and, when
 * `anchored`, the page's anchored group (every point is on an anchor: the
 * block of the page it lies in, at a random offset inside it).
 */
export function keyedGroups(
  key: string,
  times: ArrayLike<number>,
  cells: ArrayLike<number>,
  anchored: boolean,
  random: () => number,
): KeyedPoints[] {
  const page: KeyedPoints = {
    key,
    times: Array.from(times),
    cells: Array.from(cells, (c) => pointCell(c, anchored, false)),
  };
  if (!anchored) return [page];
  const group = {
    key: anchorKey(key, ""),
    times: [] as number[],
    cells: [] as number[],
    anchors: [] as string[],
    anchorOf: [] as number[],
  };
  const local = new Map<number, number>();
  for (let i = 0; i < times.length; i++) {
    const { col, row } = unpackCell(cells[i] as number, COLS);
    const anchor = Math.floor(row / BLOCK_ROWS) * 10 + Math.floor(col / BLOCK_COLS);
    let index = local.get(anchor);
    if (index === undefined) {
      // A flat string never hashed, as a selector is when a frame is parsed (a template literal would be a rope).
      const selector = `[data-testid=block-${anchor}] `.slice(0, -1);
      index = group.anchors.push(selector) - 1;
      local.set(anchor, index);
    }
    const u = Math.floor((((col % BLOCK_COLS) + random()) / BLOCK_COLS) * ANCHOR_UNITS);
    const v = Math.floor((((row % BLOCK_ROWS) + random()) / BLOCK_ROWS) * ANCHOR_UNITS);
    group.times.push(times[i] as number);
    group.cells.push(sideCell(anchorTile(u, v), false));
    group.anchorOf.push(index);
  }
  // As ingest does: its groups are found by key in a map, so the window stage gets their keys hashed already.
  const groups = new Map([
    [page.key, page],
    [group.key, group],
  ]);
  return [...groups.values()];
}

export interface AnchoredResult {
  pages: number;
  /** Page points per second through the window stage, page grid only. */
  pageOnlyEventsPerSec: number;
  /** The same points, every one also on one of its page's 200 anchors. */
  anchoredEventsPerSec: number;
}

/** The window stage on the same stream with and without anchors, in this run. */
export function benchAnchored(events = 1_000_000, pages = 100): AnchoredResult {
  const start = 1_800_000_000_000;
  const stream = makeStream(events, start, pages);
  const keys = stream.keys.map((k) => makeKey("desktop", "https://bench.example", k.slice(k.indexOf("|") + 1)));
  const batchPoints = (b: number, of: Float64Array | Int32Array) => of.subarray(b * BATCH, (b + 1) * BATCH);
  // Batches are built a chunk at a time, outside the timing, so that a heap of prepared batches does not slow the collector.
  const CHUNK = 5_000;
  /**
   * Both stages on the same stream, chunk by chunk in turn (which goes first
   * alternating), so that a change in the machine's load falls on both.
   */
  const feedBoth = (): [number, number] => {
    const feeds = [false, true].map((anchored) => ({
      anchored,
      random: seeded(5),
      ...anchoredStage(start),
      ms: 0,
      nextTick: (stream.arrivals[0] as number) + HOP,
    }));
    const total = stream.arrivals.length;
    for (let from = 0; from < total; from += CHUNK) {
      const order = (from / CHUNK) % 2 === 0 ? feeds : [...feeds].reverse();
      for (const feed of order) {
        const batches: KeyedPoints[][] = [];
        for (let b = from; b < Math.min(total, from + CHUNK); b++) {
          batches.push(
            keyedGroups(
              keys[stream.keyOf[b] as number] as string,
              batchPoints(b, stream.times),
              batchPoints(b, stream.cells),
              feed.anchored,
              feed.random,
            ),
          );
        }
        const began = performance.now();
        batches.forEach((groups, i) => {
          const now = stream.arrivals[from + i] as number;
          if (now >= feed.nextTick) {
            feed.stage.tick(now);
            feed.nextTick += HOP;
          }
          feed.bus.publish("points", { client: "", groups });
        });
        feed.ms += performance.now() - began;
      }
    }
    return feeds.map((feed) => (total * BATCH) / (feed.ms / 1000)) as [number, number];
  };
  // Warm up once, then measure.
  feedBoth();
  const [pageOnlyEventsPerSec, anchoredEventsPerSec] = feedBoth();
  return { pages, pageOnlyEventsPerSec, anchoredEventsPerSec };
}
