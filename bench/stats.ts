/** Percentiles of the browser benchmarks' trials, and the bytes a process holds. */

/** The `p`th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const median = (values: number[]) => percentile(values, 50);

/** Bytes the process holds for JS data: the heap and the typed arrays' buffers outside it. */
export function heldBytes(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * `heldBytes()` after full collections, repeated until it stops falling: the
 * buffers of typed arrays that died are released by a sweep that can finish
 * after the collection that found them, so one collection may still count a
 * previous benchmark's rings (and a later reading then comes out smaller).
 */
export function collectedHeldBytes(gc: () => void): number {
  gc();
  let held = heldBytes();
  for (let i = 0; i < 10; i++) {
    gc();
    const next = heldBytes();
    if (next >= held * 0.99) return Math.min(held, next);
    held = next;
  }
  return held;
}
