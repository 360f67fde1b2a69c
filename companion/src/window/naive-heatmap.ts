/**
 * The reference model for `HoppingHeatmap`: the original design, where every
 * event updates each of the overlapping windows it falls in (window/hop of
 * them), and each window keeps its own grid in the same cell representation.
 * Kept for property tests and the benchmark; far too slow to serve.
 */

export class NaiveHeatmap {
  /** Per key, per window length: grids by the index of the window's last pane. */
  private readonly windows = new Map<string, Map<number, Map<number, number>>[]>();
  private closed: number;

  constructor(
    private readonly hopMs: number,
    readonly windowsMs: readonly number[],
    now: number,
  ) {
    this.closed = Math.floor(now / hopMs) - 1;
  }

  addMany(key: string, times: ArrayLike<number>, cells: ArrayLike<number>): void {
    for (let i = 0; i < times.length; i++) this.add(key, times[i] as number, cells[i] as number);
  }

  add(key: string, t: number, cell: number): void {
    const open = this.closed + 1;
    const pane = Math.min(Math.floor(t / this.hopMs), open);
    let perWindow = this.windows.get(key);
    if (!perWindow) {
      perWindow = this.windowsMs.map(() => new Map());
      this.windows.set(key, perWindow);
    }
    this.windowsMs.forEach((windowMs, i) => {
      const span = windowMs / this.hopMs;
      // Windows ending before the newest closed one were final already.
      for (let end = Math.max(pane, this.closed); end < pane + span; end++) {
        const byEnd = perWindow[i] as Map<number, Map<number, number>>;
        let grid = byEnd.get(end);
        if (!grid) {
          grid = new Map();
          byEnd.set(end, grid);
        }
        grid.set(cell, (grid.get(cell) ?? 0) + 1);
      }
    });
  }

  advance(now: number): void {
    this.closed = Math.max(this.closed, Math.floor(now / this.hopMs) - 1);
    for (const perWindow of this.windows.values()) {
      for (const byEnd of perWindow) for (const end of byEnd.keys()) if (end < this.closed) byEnd.delete(end);
    }
  }

  /** Grid of the newest closed window. */
  grid(key: string, windowIndex: number): ReadonlyMap<number, number> {
    return this.windows.get(key)?.[windowIndex]?.get(this.closed) ?? new Map();
  }
}
