/**
 * Hopping-window heatmaps on a pane ring, each key's grids kept only where
 * they are read.
 *
 * Time is cut into panes of `hopMs`. One ring of panes, shared by every key,
 * holds the raw events (key id, cell) of each pane of the longest window and
 * of the open one. At every hop each key's total in each window is kept:
 * closing a pane adds its events to every window's totals and subtracts,
 * from each window, the pane that just left it (counts are invertible, so an
 * event costs O(1) whatever the window/hop ratio). A key's grid in a window
 * (cell → count) is made when it is first read, by counting the key's events
 * in the window's panes, and from then on kept by the same passes, until it
 * has gone unread for `keepGridsMs`.
 *
 * So an event costs its append to its pane and one visit in each pass over
 * that pane (its close, and its leaving each window): passes over flat
 * arrays that touch, per event, only its key's few totals, however many keys
 * and cells there are. Only the events of keys someone reads (a watched
 * page, a page asked for) also update those keys' grids. A pane is one
 * growing Int32Array for all keys rather than a ring per key: a key costs no
 * ring of (longest window / hop) entries, and a steady stream allocates
 * nothing.
 *
 * Panes close on the clock passed to `advance`, never on event time, so a key
 * that goes quiet decays to empty and is then evicted. Nothing here reads a
 * clock, a socket or a timer.
 *
 * A live viewer sees the window as it is now: the closed panes in the window
 * plus the open pane so far, whose events of the key are counted when read;
 * closing the pane moves its events into the windows, so no event is
 * counted twice.
 */

export interface HoppingOptions {
  /** Pane length in ms. */
  hopMs: number;
  /** Served window lengths in ms, each a multiple of `hopMs`. */
  windowsMs: readonly number[];
  /** Companion time at creation: panes before it count as closed. */
  now: number;
  /**
   * How long a key's grid in a window is kept up to date after it was last
   * read, in ms of the clock passed to `advance` (a minute by default): a
   * grid read again after that is made again from the panes.
   */
  keepGridsMs?: number;
}

/** How events fared: counted before their pane closed, late but inside a window, or too old. */
export interface AddCounts {
  open: number;
  late: number;
  tooOld: number;
}

export type AddResult = keyof AddCounts;

/** One key's window changed since the last `takeChanges`. */
export interface Change {
  key: string;
  windowIndex: number;
}

/** A live key: its id, its grids kept since read, and its changes left when it was forgotten. */
class KeyState {
  /** Dirty bits left when the key was forgotten with changes not yet taken; `id` is then -1. */
  dirtyLeft = 0;
  /** Per window, its grid (cell → count, no zero) while it is kept, else null. */
  readonly grids: (Map<number, number> | null)[];
  /** While a grid is kept: the key's events in the open pane, by cell (no zero). */
  open: Map<number, number> | null = null;
  /** The newest closed pane when a grid of the key was last read. */
  readAt = 0;

  constructor(
    readonly key: string,
    /** Index in `byId`, `totals`, `dirty` and `kept`, written in the panes; reused once the key is forgotten. */
    public id: number,
    windows: number,
  ) {
    this.grids = new Array(windows).fill(null);
  }
}

export class HoppingHeatmap {
  readonly hopMs: number;
  readonly windowsMs: readonly number[];
  /** Panes per served window. */
  private readonly spans: number[];
  /** Panes in the longest window, and that window's index. */
  private readonly longest: number;
  private readonly longestIndex: number;
  /** HoppingOptions.keepGridsMs, in panes. */
  private readonly keepPanes: number;
  private readonly states = new Map<string, KeyState>();
  private readonly byId: (KeyState | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Per key id, each window's events (`id * windows + w`). */
  private totals = new Int32Array(0);
  /** Per key id, bit w set: window w changed since the last `takeChanges`. */
  private dirty = new Int32Array(0);
  /** Per key id, bit w set: its grid in window w is kept. */
  private kept = new Int32Array(0);
  /** The keys with a grid kept. */
  private readonly keptStates = new Set<KeyState>();
  /**
   * Raw events of each pane of the longest window and the open one, at
   * `pane % panes.length`, `paneLength[i]` numbers used: each event's cell
   * (never negative), after `~id` (negative) whenever the key differs from the
   * previous event's in the pane, so that a key's events appended together
   * take one number each.
   */
  private readonly panes: Int32Array[];
  private readonly paneLength: Int32Array;
  /** The key id of each pane's last event, -1 when it has none. */
  private readonly paneLastId: Int32Array;
  private readonly dirtyStates: KeyState[] = [];
  /** Index of the newest closed pane. */
  private closed: number;

  constructor(options: HoppingOptions) {
    const { hopMs, windowsMs } = options;
    if (!(hopMs > 0) || !Number.isInteger(hopMs)) throw new RangeError("hopMs must be a positive integer");
    if (windowsMs.length === 0 || windowsMs.length > 30) throw new RangeError("serve 1 to 30 window lengths");
    for (const w of windowsMs) {
      if (!(w >= hopMs) || w % hopMs !== 0) {
        throw new RangeError(`window ${w} ms is not a multiple of the ${hopMs} ms hop`);
      }
    }
    const keepGridsMs = options.keepGridsMs ?? DEFAULT_KEEP_GRIDS_MS;
    if (!(keepGridsMs >= 0)) throw new RangeError("keepGridsMs must not be negative");
    this.hopMs = hopMs;
    this.windowsMs = [...windowsMs];
    this.spans = windowsMs.map((w) => w / hopMs);
    this.longest = Math.max(...this.spans);
    this.longestIndex = this.spans.indexOf(this.longest);
    this.keepPanes = Math.ceil(keepGridsMs / hopMs);
    this.closed = Math.floor(options.now / hopMs) - 1;
    this.panes = Array.from({ length: this.longest + 1 }, () => EMPTY);
    this.paneLength = new Int32Array(this.longest + 1);
    this.paneLastId = new Int32Array(this.longest + 1).fill(-1);
  }

  /** Counts one event at capture time `t` (companion clock) in `cell` of `key`. */
  add(key: string, t: number, cell: number): AddResult {
    const counts: AddCounts = { open: 0, late: 0, tooOld: 0 };
    this.addMany(key, [t], [cell], counts);
    return counts.open ? "open" : counts.late ? "late" : "tooOld";
  }

  /**
   * Counts events of one key; `into` receives how they fared. `cellBase` is
   * added to every cell, so that one key can hold several small grids side by
   * side without a copy of `cells`.
   */
  addMany(key: string, times: ArrayLike<number>, cells: ArrayLike<number>, into: AddCounts, cellBase = 0): void {
    const closed = this.closed;
    const open = closed + 1;
    const oldest = closed - this.longest;
    const { hopMs, spans, panes, paneLength, paneLastId } = this;
    const windows = spans.length;
    // Ring index of the open pane; an event d panes older is d places before it (integers, no modulo per event).
    const ringLength = panes.length;
    const openIndex = open % ringLength;
    let state = this.states.get(key);
    let id = state ? state.id : -1;
    let kept = state ? (this.kept[id] as number) : 0;
    let onTime = 0;
    let late = 0;
    let changed = 0;
    // The pane appended to, its place in the ring, its array, how much of it is used and its last event's key:
    // a call's events mostly share one pane, so these are looked up when the pane changes and written back once.
    let pane = oldest;
    let ringIndex = 0;
    let raw: Int32Array = EMPTY;
    let at = 0;
    let lastId = -1;
    for (let e = 0; e < times.length; e++) {
      // A clock still ahead after correction cannot place an event in the future.
      const eventPane = Math.min(Math.floor((times[e] as number) / hopMs), open);
      if (eventPane <= oldest) continue;
      if (eventPane !== pane) {
        if (pane !== oldest) {
          paneLength[ringIndex] = at;
          paneLastId[ringIndex] = lastId;
        }
        if (!state) {
          state = this.createState(key);
          id = state.id;
          kept = 0;
        }
        pane = eventPane;
        const back = open - pane;
        ringIndex = back <= openIndex ? openIndex - back : openIndex - back + ringLength;
        raw = panes[ringIndex] as Int32Array;
        at = paneLength[ringIndex] as number;
        lastId = paneLastId[ringIndex] as number;
      }
      if (at + 2 > raw.length) raw = this.growPane(ringIndex);
      if (lastId !== id) {
        raw[at++] = ~id;
        lastId = id;
      }
      const cell = cellBase + (cells[e] as number);
      raw[at++] = cell;
      if (pane === open) {
        onTime++;
        if (kept !== 0) bump((state as KeyState).open as Map<number, number>, cell, 1);
        continue;
      }
      // Late but inside some windows: their totals (and grids kept) take it now.
      late++;
      const age = closed - pane;
      for (let w = 0; w < windows; w++) {
        if (age >= (spans[w] as number)) continue;
        (this.totals[id * windows + w] as number)++;
        changed |= 1 << w;
        if (kept & (1 << w)) bump((state as KeyState).grids[w] as Map<number, number>, cell, 1);
      }
    }
    if (pane !== oldest) {
      paneLength[ringIndex] = at;
      paneLastId[ringIndex] = lastId;
    }
    into.open += onTime;
    into.late += late;
    into.tooOld += times.length - onTime - late;
    if (state && changed) this.markDirty(state.id, changed);
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
      const bits = state.id === -1 ? state.dirtyLeft : (this.dirty[state.id] as number);
      for (let w = 0; w < this.spans.length; w++) {
        if (bits & (1 << w)) changes.push({ key: state.key, windowIndex: w });
      }
      if (state.id === -1) state.dirtyLeft = 0;
      else this.dirty[state.id] = 0;
    }
    this.dirtyStates.length = 0;
    return changes;
  }

  /**
   * Calls `fn` for each cell of `key` with a count in window `windowIndex`:
   * the newest closed window, and with `withOpen` its events in the open pane too.
   */
  forEachCell(key: string, windowIndex: number, fn: (cell: number, count: number) => void, withOpen = false): void {
    const state = this.states.get(key);
    if (!state) return;
    const grid = this.keptGrid(state, windowIndex);
    const open = withOpen ? (state.open as Map<number, number>) : EMPTY_GRID;
    // The open pane's few cells join the grid while it is read: one pass, no lookup per cell.
    open.forEach((count, cell) => {
      bump(grid, cell, count);
    });
    try {
      grid.forEach((count, cell) => {
        fn(cell, count);
      });
    } finally {
      open.forEach((count, cell) => {
        bump(grid, cell, -count);
      });
    }
  }

  /**
   * Calls `fn` for each cell of `key` with the events the ring holds for it:
   * the longest window's, plus those of the open pane.
   */
  forEachHeld(key: string, fn: (cell: number, held: number) => void): void {
    this.forEachCell(key, this.longestIndex, fn, true);
  }

  /** Whether an event at `t` would be counted now (is not older than the longest window). */
  inRing(t: number): boolean {
    return Math.floor(t / this.hopMs) > this.closed - this.longest;
  }

  /** The newest closed pane; events counted now land in the pane after it or earlier. */
  get closedPane(): number {
    return this.closed;
  }

  /** Panes in the longest window: an event leaves the ring at most this many panes after its own pane closed. */
  get ringPanes(): number {
    return this.longest;
  }

  /** The running grid of `key` for window `windowIndex`, as a map (empty if the key is gone); `withOpen` as `forEachCell`. */
  grid(key: string, windowIndex: number, withOpen = false): Map<number, number> {
    const grid = new Map<number, number>();
    this.forEachCell(key, windowIndex, (cell, count) => grid.set(cell, count), withOpen);
    return grid;
  }

  total(key: string, windowIndex: number): number {
    const state = this.states.get(key);
    return state ? (this.totals[state.id * this.spans.length + windowIndex] as number) : 0;
  }

  /** Bounds [start, end) of the newest closed window of index `windowIndex`. */
  bounds(windowIndex: number): { start: number; end: number } {
    const end = (this.closed + 1) * this.hopMs;
    return { start: end - (this.windowsMs[windowIndex] as number), end };
  }

  windowIndex(windowMs: number): number {
    return this.windowsMs.indexOf(windowMs);
  }

  /** Live keys: those with any event in the longest window or the open pane. */
  keys(): IterableIterator<string> {
    return this.states.keys();
  }

  get size(): number {
    return this.states.size;
  }

  has(key: string): boolean {
    return this.states.has(key);
  }

  /** Keys whose grid in some window is kept up to date (read within `keepGridsMs`). */
  get keptKeys(): number {
    return this.keptStates.size;
  }

  private createState(key: string): KeyState {
    const windows = this.spans.length;
    const state = new KeyState(key, this.freeIds.pop() ?? this.byId.length, windows);
    if (state.id >= this.dirty.length) {
      const capacity = Math.max(16, 2 * this.dirty.length);
      const totals = new Int32Array(capacity * windows);
      totals.set(this.totals);
      this.totals = totals;
      const dirty = new Int32Array(capacity);
      dirty.set(this.dirty);
      this.dirty = dirty;
      const kept = new Int32Array(capacity);
      kept.set(this.kept);
      this.kept = kept;
    }
    this.states.set(key, state);
    this.byId[state.id] = state;
    return state;
  }

  /**
   * Doubles the pane at `ringIndex` (full), keeping its events; a pane's first
   * array is as long as the previous pane's, which a steady stream fills.
   */
  private growPane(ringIndex: number): Int32Array {
    const old = this.panes[ringIndex] as Int32Array;
    const previous = this.panes[(ringIndex + this.panes.length - 1) % this.panes.length] as Int32Array;
    const grown = new Int32Array(old.length > 0 ? old.length * 2 : Math.max(64, previous.length));
    grown.set(old);
    this.panes[ringIndex] = grown;
    return grown;
  }

  /** The grid of `state` in window `windowIndex`, made from the panes if it is not kept; read now. */
  private keptGrid(state: KeyState, windowIndex: number): Map<number, number> {
    state.readAt = this.closed;
    const kept = state.grids[windowIndex];
    if (kept) return kept;
    const id = state.id;
    if (this.kept[id] === 0) {
      // The open pane's events so far: from now on they are counted as they come.
      state.open = this.countPane(this.closed + 1, id, new Map());
      this.keptStates.add(state);
    }
    const grid = new Map<number, number>();
    for (let pane = this.closed - (this.spans[windowIndex] as number) + 1; pane <= this.closed; pane++) {
      this.countPane(pane, id, grid);
    }
    state.grids[windowIndex] = grid;
    this.kept[id] = (this.kept[id] as number) | (1 << windowIndex);
    return grid;
  }

  /** Counts the events of key `id` in `pane` into `grid`, by cell. */
  private countPane(pane: number, id: number, grid: Map<number, number>): Map<number, number> {
    const ringIndex = pane % this.panes.length;
    const raw = this.panes[ringIndex] as Int32Array;
    const length = this.paneLength[ringIndex] as number;
    let current = -1;
    for (let e = 0; e < length; e++) {
      const value = raw[e] as number;
      if (value < 0) current = ~value;
      else if (current === id) bump(grid, value, 1);
    }
    return grid;
  }

  private closeNext(): void {
    const pane = ++this.closed;
    const { totals, dirty, kept, panes, paneLength, spans, byId } = this;
    const ringLength = panes.length;
    const windows = spans.length;
    const all = (1 << windows) - 1;
    let raw = panes[pane % ringLength] as Int32Array;
    let length = paneLength[pane % ringLength] as number;
    // Every event of the closing pane came while it was open: it joins every window.
    let id = -1;
    for (let e = 0; e < length; e++) {
      const cell = raw[e] as number;
      if (cell < 0) {
        id = ~cell;
        continue;
      }
      for (let w = 0; w < windows; w++) (totals[id * windows + w] as number)++;
      if (dirty[id] === 0) this.dirtyStates.push(byId[id] as KeyState);
      dirty[id] = all;
      if (kept[id] !== 0) this.keepUp(id, all, cell, 1);
    }
    const longestIndex = this.longestIndex;
    for (let w = 0; w < windows; w++) {
      // The longest window's leaving pane expires from the ring, in the same pass, below.
      if (w === longestIndex) continue;
      const leaving = (pane - (spans[w] as number)) % ringLength;
      raw = panes[leaving] as Int32Array;
      length = paneLength[leaving] as number;
      const bit = 1 << w;
      for (let e = 0; e < length; e++) {
        const cell = raw[e] as number;
        if (cell < 0) {
          id = ~cell;
          continue;
        }
        (totals[id * windows + w] as number)--;
        if (dirty[id] === 0) this.dirtyStates.push(byId[id] as KeyState);
        dirty[id] = (dirty[id] as number) | bit;
        if ((kept[id] as number) & bit) this.keepUp(id, bit, cell, -1);
      }
    }
    // The pane that left the longest window leaves the ring; its place is the next open pane's.
    const expired = (pane - this.longest) % ringLength;
    raw = panes[expired] as Int32Array;
    length = paneLength[expired] as number;
    const bit = 1 << longestIndex;
    for (let e = 0; e < length; e++) {
      const cell = raw[e] as number;
      if (cell < 0) {
        id = ~cell;
        continue;
      }
      if (dirty[id] === 0) this.dirtyStates.push(byId[id] as KeyState);
      dirty[id] = (dirty[id] as number) | bit;
      if ((kept[id] as number) & bit) this.keepUp(id, bit, cell, -1);
      const left = (totals[id * windows + longestIndex] as number) - 1;
      totals[id * windows + longestIndex] = left;
      // Every event of a key sits in a closed pane of the longest window (the open one is empty now): none
      // left means none in any pane.
      if (left === 0) this.forget(id);
    }
    paneLength[expired] = 0;
    this.paneLastId[expired] = -1;
    for (const state of this.keptStates) {
      // The open pane's events joined the windows: the next open pane is empty.
      state.open?.clear();
      // Grids unread for keepGridsMs are let go: the next read makes them again.
      if (pane - state.readAt > this.keepPanes) this.letGo(state);
    }
  }

  /** Adds `delta` to `cell` in the kept grids of key `id` among the windows in bit mask `windows`. */
  private keepUp(id: number, windows: number, cell: number, delta: number): void {
    const state = this.byId[id] as KeyState;
    const mask = windows & (this.kept[id] as number);
    for (let w = 0; w < this.spans.length; w++) {
      if (mask & (1 << w)) bump(state.grids[w] as Map<number, number>, cell, delta);
    }
  }

  /** Stops keeping the grids of `state`. */
  private letGo(state: KeyState): void {
    state.grids.fill(null);
    state.open = null;
    if (state.id !== -1) this.kept[state.id] = 0;
    this.keptStates.delete(state);
  }

  /** Drops key `id` (no event left), keeping its changes not yet taken on its state. */
  private forget(id: number): void {
    const state = this.byId[id] as KeyState;
    this.letGo(state);
    this.states.delete(state.key);
    this.byId[id] = undefined;
    this.freeIds.push(id);
    state.dirtyLeft = this.dirty[id] as number;
    state.id = -1;
    this.dirty[id] = 0;
  }

  /** Marks the windows in bit mask `windows` of key `id` as changed. */
  private markDirty(id: number, windows: number): void {
    if (this.dirty[id] === 0) this.dirtyStates.push(this.byId[id] as KeyState);
    this.dirty[id] = (this.dirty[id] as number) | windows;
  }
}

const EMPTY = new Int32Array(0);
const EMPTY_GRID: ReadonlyMap<number, number> = new Map();

/** How long a grid read is kept up to date after its last read, by default. */
const DEFAULT_KEEP_GRIDS_MS = 60_000;

/** Adds `delta` to `cell` of `grid`, deleting a count that falls to zero. */
function bump(grid: Map<number, number>, cell: number, delta: number): void {
  const count = (grid.get(cell) ?? 0) + delta;
  if (count === 0) grid.delete(cell);
  else grid.set(cell, count);
}
