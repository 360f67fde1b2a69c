/**
 * Memory per active key: pages each with 10 tabs moving their cursors at
 * 4 Hz for 5 minutes, held in the pane ring; measured as the growth of the
 * heap and typed-array buffers after a full collection (node --expose-gc),
 * divided by the pages.
 */
import { type AddCounts, HoppingHeatmap } from "../companion/src/window/hopping-heatmap";
import { makeKey } from "../protocol/page-key";
import { anchoredStage, HOP, keyedGroups, seeded, WINDOWS } from "./aggregator";
import { collectedHeldBytes } from "./stats";

export function benchMemory(pages = 200): { bytesPerKey: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const random = seeded(7);
  const start = 1_800_000_000_000;
  const tabs = Array.from({ length: pages * 10 }, (_, i) => ({
    key: `desktop|/page/${i % pages}`,
    col: Math.floor(random() * 50),
    row: Math.floor(random() * 120),
  }));
  const before = collectedHeldBytes(gc);
  const heatmap = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now: start });
  const counts: AddCounts = { open: 0, late: 0, tooOld: 0 };
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  // Five minutes, each tab sending its last second's four samples once a second.
  for (let second = 1; second <= 300; second++) {
    const now = start + second * 1000;
    heatmap.advance(now);
    for (const tab of tabs) {
      const times: number[] = [];
      const cells: number[] = [];
      for (let i = 0; i < 4; i++) {
        tab.col = clamp(tab.col + Math.floor(random() * 5) - 2, 50);
        tab.row = clamp(tab.row + Math.floor(random() * 5) - 2, 120);
        times.push(now - 1000 + i * 250 + random() * 250);
        cells.push((tab.row * 50 + tab.col) * 2);
      }
      heatmap.addMany(tab.key, times, cells, counts);
    }
  }
  heatmap.advance(start + 301_000);
  const after = collectedHeldBytes(gc);
  if (heatmap.size !== pages) throw new Error(`expected ${pages} live keys, found ${heatmap.size}`);
  return { bytesPerKey: (after - before) / pages };
}

export interface AnchorMemoryResult {
  /** Bytes per page key through the window stage, page grid only. */
  pageOnlyBytesPerKey: number;
  /** The same with every point anchored: page ring, anchors ring and anchor table. */
  anchoredBytesPerKey: number;
  /** Anchors the pages held at the end, on average. */
  anchorsPerKey: number;
}

/**
 * Memory per page key with its anchors: `pages` pages, 10 tabs each at 4 Hz
 * for 5 minutes, every tab jumping to a random place of its page every 10 s
 * (so that a page's 200 anchors all get heat), through the window stage.
 */
export function benchAnchorMemory(pages = 50): AnchorMemoryResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const start = 1_800_000_000_000;
  const keys = Array.from({ length: pages }, (_, i) => makeKey("desktop", "https://bench.example", `/page/${i}`));
  const measure = (anchored: boolean): { bytesPerKey: number; anchorsPerKey: number } => {
    const random = seeded(7);
    const tabs = Array.from({ length: pages * 10 }, (_, i) => ({ key: keys[i % pages] as string, col: 0, row: 0 }));
    const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
    const before = collectedHeldBytes(gc);
    const { stage, bus } = anchoredStage(start);
    for (let second = 1; second <= 300; second++) {
      const now = start + second * 1000;
      for (let t = 0; t < 4; t++) stage.tick(now - 1000 + (t + 1) * HOP);
      for (const tab of tabs) {
        if (second % 10 === 1) {
          tab.col = Math.floor(random() * 50);
          tab.row = Math.floor(random() * 120);
        }
        const times: number[] = [];
        const cells: number[] = [];
        for (let i = 0; i < 4; i++) {
          tab.col = clamp(tab.col + Math.floor(random() * 5) - 2, 50);
          tab.row = clamp(tab.row + Math.floor(random() * 5) - 2, 120);
          times.push(now - 1000 + i * 250 + random() * 250);
          cells.push((tab.row * 50 + tab.col) * 2);
        }
        bus.publish("points", { client: "", groups: keyedGroups(tab.key, times, cells, anchored, random) });
      }
    }
    stage.tick(start + 301_000);
    const after = collectedHeldBytes(gc);
    if (stage.liveKeys !== pages) throw new Error(`expected ${pages} live keys, found ${stage.liveKeys}`);
    const longest = WINDOWS.length - 1;
    const anchors = keys.reduce((n, key) => n + stage.snapshot(key, longest).anchors.length, 0);
    return { bytesPerKey: (after - before) / pages, anchorsPerKey: anchors / pages };
  };
  const pageOnly = measure(false);
  const anchored = measure(true);
  return {
    pageOnlyBytesPerKey: pageOnly.bytesPerKey,
    anchoredBytesPerKey: anchored.bytesPerKey,
    anchorsPerKey: anchored.anchorsPerKey,
  };
}
