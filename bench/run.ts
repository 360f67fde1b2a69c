/**
 * `npm run bench`: the pane-ring aggregator against the naive per-window one,
 * side by side on the same seeded events, in one process. Prints a table and,
 * last, `BENCH {json}`.
 */
import { performance } from "node:perf_hooks";
import { HoppingHeatmap } from "../companion/src/window/hopping-heatmap";
import { NaiveHeatmap } from "../companion/src/window/naive-heatmap";

const HOP = 250;
const WINDOWS = [10_000, 60_000, 300_000];
const KEYS = 200;

/** Mulberry32: a small seeded generator, so every run sees the same events. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Events {
  keys: string[];
  times: Float64Array;
  cells: Int32Array;
}

/** `n` events spread over `spanMs`, arriving in time order with a little jitter. */
function makeEvents(n: number, spanMs: number, start: number): Events {
  const random = seeded(42);
  const keys: string[] = [];
  const times = new Float64Array(n);
  const cells = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys.push(`desktop|/page/${Math.floor(random() * KEYS)}`);
    times[i] = start + (i / n) * spanMs - random() * 500;
    cells[i] = Math.floor(random() * 2500) * 2;
  }
  return { keys, times, cells };
}

/** Feeds events in arrival order, closing panes as the clock passes them; events per second. */
function run(
  events: Events,
  n: number,
  spanMs: number,
  start: number,
  agg: { add(k: string, t: number, c: number): unknown; advance(now: number): void },
): number {
  const began = performance.now();
  let nextTick = start + HOP;
  for (let i = 0; i < n; i++) {
    const now = start + (i / n) * spanMs;
    if (now >= nextTick) {
      agg.advance(now);
      nextTick += HOP;
    }
    agg.add(events.keys[i] as string, events.times[i] as number, events.cells[i] as number);
  }
  agg.advance(start + spanMs + HOP);
  return n / ((performance.now() - began) / 1000);
}

const start = 1_800_000_000_000;
const spanMs = 60_000;
const naiveN = 20_000;
const paneN = 2_000_000;
const naiveEvents = makeEvents(naiveN, spanMs, start);
const paneEvents = makeEvents(paneN, spanMs, start);

// Warm both up on the same small input, then measure.
run(naiveEvents, 2000, spanMs, start, new NaiveHeatmap(HOP, WINDOWS, start));
run(paneEvents, 200_000, spanMs, start, new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start }));
const naiveRate = run(naiveEvents, naiveN, spanMs, start, new NaiveHeatmap(HOP, WINDOWS, start));
const paneOnNaiveInput = run(
  naiveEvents,
  naiveN,
  spanMs,
  start,
  new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start }),
);
const paneRate = run(
  paneEvents,
  paneN,
  spanMs,
  start,
  new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start }),
);

const rows = [
  ["naive per-window aggregator", naiveN, naiveRate],
  ["pane ring, same events", naiveN, paneOnNaiveInput],
  ["pane ring, 2M events", paneN, paneRate],
] as const;
console.log(
  `windows ${WINDOWS.map((w) => `${w / 1000}s`).join(", ")}; hop ${HOP} ms; ${KEYS} keys; 2,500 cells per key\n`,
);
console.log("aggregator                      events      events/s");
for (const [name, n, rate] of rows) {
  console.log(`${name.padEnd(30)} ${String(n).padStart(9)} ${Math.round(rate).toLocaleString("en").padStart(13)}`);
}
const result = {
  paneVsNaive: Math.round((paneOnNaiveInput / naiveRate) * 10) / 10,
  aggEventsPerSec: Math.round(paneRate),
};
console.log(`\nBENCH ${JSON.stringify(result)}`);
