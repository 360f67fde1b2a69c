/**
 * Hopping-window heatmaps on a pane ring.
 *
 * Time is cut into panes of `hopMs`. Each key keeps one sparse pane (cell →
 * count) per hop for the longest window, and one running grid per served
 * window length. Closing a pane adds it to every running grid and subtracts,
 * from each, the pane that just left that window: counts are invertible, so
 * an event costs O(1) whatever the window/hop ratio, and a hop costs work
 * proportional to the cells of the panes entering and leaving.
 *
 * Panes close on the clock passed to `advance`, never on event time, so a key
 * that goes quiet decays to empty and is then evicted. Nothing here reads a
 * clock, a socket or a timer.
 */

export interface HoppingOptions {
  /** Pane length in ms. */
  hopMs: number;
  /** Served window lengths in ms, each a multiple of `hopMs`. */
  windowsMs: readonly number[];
  /** Companion time at creation: panes before it count as closed. */
  now: number;
}

export type AddResult = "open" | "late" | "tooOld";

/** One key's window changed since the last `advance`. */
export interface Change {
  key: string;
  windowIndex: number;
}

type Cells = Map<number, number>;

interface KeyState {
  key: string;
  /** Ring of panes indexed by `pane % ring.length`; undefined when empty. */
  ring: (Cells | undefined)[];
  /** Running grid per window length. */
  grids: Cells[];
  totals: number[];
  /** Bit i set: window i changed since the last emission. */
  dirty: number;
}

export class HoppingHeatmap {
  readonly hopMs: number;
  readonly windowsMs: readonly number[];
  /** Panes per served window. */
  private readonly spans: number[];
  /** Panes in the longest window. */
  private readonly longest: number;
  private readonly states = new Map<string, KeyState>();
  /** Keys with a non-empty pane, by pane index: the only keys a hop touches. */
  private readonly schedule = new Map<number, KeyState[]>();
  private readonly dirtyStates: KeyState[] = [];
  /** Index of the newest closed pane. */
  private closed: number;

  constructor(options: HoppingOptions) {
    const { hopMs, windowsMs } = options;
    if (!(hopMs > 0) || !Number.isInteger(hopMs)) throw new RangeError("hopMs must be a positive integer");
    if (windowsMs.length === 0 || windowsMs.length > 30) throw new RangeError("serve 1 to 30 window lengths");
    for (const w of windowsMs) {
      if (!(w >= hopMs) || w % hopMs !== 0)
        throw new RangeError(`window ${w} ms is not a multiple of the ${hopMs} ms hop`);
    }
    this.hopMs = hopMs;
    this.windowsMs = [...windowsMs];
    this.spans = windowsMs.map((w) => w / hopMs);
    this.longest = Math.max(...this.spans);
    this.closed = Math.floor(options.now / hopMs) - 1;
  }

  /** Counts one event at capture time `t` (companion clock) in `cell` of `key`. */
  add(key: string, t: number, cell: number): AddResult {
    const open = this.closed + 1;
    // A clock still ahead after correction cannot place an event in the future.
    const pane = Math.min(Math.floor(t / this.hopMs), open);
    if (pane <= this.closed - this.longest) return "tooOld";

    let state = this.states.get(key);
    if (!state) {
      state = {
        key,
        ring: new Array(this.longest + 1),
        grids: this.spans.map(() => new Map()),
        totals: this.spans.map(() => 0),
        dirty: 0,
      };
      this.states.set(key, state);
    }
    const slot = pane % state.ring.length;
    let cells = state.ring[slot];
    if (!cells) {
      cells = new Map();
      state.ring[slot] = cells;
      this.scheduleAt(pane, state);
    }
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    if (pane === open) return "open";

    // Late but inside some windows: those running grids count it now.
    for (let i = 0; i < this.spans.length; i++) {
      if (pane > this.closed - (this.spans[i] as number)) {
        const grid = state.grids[i] as Cells;
        grid.set(cell, (grid.get(cell) ?? 0) + 1);
        state.totals[i] = (state.totals[i] as number) + 1;
        this.markDirty(state, i);
      }
    }
    return "late";
  }

  /** Closes every pane that ended at or before `now`. */
  advance(now: number): void {
    const target = Math.floor(now / this.hopMs) - 1;
    while (this.closed < target) this.closeNext();
  }

  /** Keys and windows changed since the last call, each once. */
  takeChanges(): Change[] {
    const changes: Change[] = [];
    for (const state of this.dirtyStates) {
      for (let i = 0; i < this.spans.length; i++) {
        if (state.dirty & (1 << i)) changes.push({ key: state.key, windowIndex: i });
      }
      state.dirty = 0;
    }
    this.dirtyStates.length = 0;
    return changes;
  }

  /** The running grid of `key` for window `windowIndex` (empty if the key is gone). */
  grid(key: string, windowIndex: number): ReadonlyMap<number, number> {
    return this.states.get(key)?.grids[windowIndex] ?? EMPTY;
  }

  total(key: string, windowIndex: number): number {
    return this.states.get(key)?.totals[windowIndex] ?? 0;
  }

  /** Bounds [start, end) of the newest closed window of index `windowIndex`. */
  bounds(windowIndex: number): { start: number; end: number } {
    const end = (this.closed + 1) * this.hopMs;
    return { start: end - (this.windowsMs[windowIndex] as number), end };
  }

  windowIndex(windowMs: number): number {
    return this.windowsMs.indexOf(windowMs);
  }

  /** Live keys: those with any count in the longest window or the open pane. */
  keys(): IterableIterator<string> {
    return this.states.keys();
  }

  get size(): number {
    return this.states.size;
  }

  has(key: string): boolean {
    return this.states.has(key);
  }

  private closeNext(): void {
    const pane = ++this.closed;
    for (const state of this.schedule.get(pane) ?? NONE) {
      const cells = state.ring[pane % state.ring.length] as Cells;
      for (let i = 0; i < this.spans.length; i++) this.addCells(state, i, cells, 1);
    }
    for (let i = 0; i < this.spans.length; i++) {
      const leaving = pane - (this.spans[i] as number);
      for (const state of this.schedule.get(leaving) ?? NONE) {
        const cells = state.ring[leaving % state.ring.length] as Cells;
        this.addCells(state, i, cells, -1);
      }
    }
    // The pane that left the longest window leaves the ring; its slot is the next open pane's.
    const expired = pane - this.longest;
    const longestIndex = this.spans.indexOf(this.longest);
    for (const state of this.schedule.get(expired) ?? NONE) {
      state.ring[expired % state.ring.length] = undefined;
      if (state.totals[longestIndex] === 0) this.states.delete(state.key);
    }
    this.schedule.delete(expired);
  }

  private addCells(state: KeyState, i: number, cells: Cells, sign: 1 | -1): void {
    const grid = state.grids[i] as Cells;
    let sum = 0;
    for (const [cell, n] of cells) {
      const next = (grid.get(cell) ?? 0) + sign * n;
      if (next === 0) grid.delete(cell);
      else grid.set(cell, next);
      sum += n;
    }
    state.totals[i] = (state.totals[i] as number) + sign * sum;
    this.markDirty(state, i);
  }

  private scheduleAt(pane: number, state: KeyState): void {
    const list = this.schedule.get(pane);
    if (list) list.push(state);
    else this.schedule.set(pane, [state]);
  }

  private markDirty(state: KeyState, i: number): void {
    if (state.dirty === 0) this.dirtyStates.push(state);
    state.dirty |= 1 << i;
  }
}

const EMPTY: ReadonlyMap<number, number> = new Map();
const NONE: readonly KeyState[] = [];
