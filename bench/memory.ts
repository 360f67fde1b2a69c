/**
 * Memory per active key: pages each with 10 tabs moving their cursors at
 * 4 Hz for 5 minutes, held in the pane ring; measured as the heap growth
 * after a full collection (node --expose-gc), divided by the pages.
 */
import { type AddCounts, HoppingHeatmap } from "../companion/src/window/hopping-heatmap";
import { HOP, seeded, WINDOWS } from "./aggregator";

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
  gc();
  const before = process.memoryUsage().heapUsed;
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
  gc();
  const after = process.memoryUsage().heapUsed;
  if (heatmap.size !== pages) throw new Error(`expected ${pages} live keys, found ${heatmap.size}`);
  return { bytesPerKey: (after - before) / pages };
}
