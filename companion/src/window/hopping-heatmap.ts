/**
 * Hopping-window heatmaps on a pane ring.
 *
 * Time is cut into panes of `hopMs`. One ring of panes, shared by every key,
 * holds the raw events (key id, slot) of each hop of the longest window; each
 * key keeps one running count per cell and served window. Closing a pane adds its events to every running
 * count and subtracts, from each window, the pane that just left it: counts
 * are invertible, so an event costs O(1) whatever the window/hop ratio, and a
 * hop costs work proportional to the events of the panes entering and leaving.
 *
 * A key's cells are interned into slots (cell → slot), so that panes hold
 * small integers and the running counts of all windows sit side by side in
 * one typed array (`counts[slot * windows + w]`): after the one map lookup at
 * arrival, every later step is array arithmetic. A pane is one growing
 * Int32Array for all keys rather than a ring per key: a key costs no ring of
 * (longest window / hop) entries, a hop walks a few flat arrays, and a steady
 * stream allocates nothing.
 *
 * Panes close on the clock passed to `advance`, never on event time, so a key
 * that goes quiet decays to empty and is then evicted. Nothing here reads a
 * clock, a socket or a timer.
 *
 * Each slot also counts its events in the open pane, so that a live viewer
 * sees the window as it is now (closed panes in the window + the open pane
 * so far); closing the pane moves those counts into the running ones, so no
 * event is counted twice.
 */

export interface HoppingOptions {
  /** Pane length in ms. */
  hopMs: number;
  /** Served window lengths in ms, each a multiple of `hopMs`. */
  windowsMs: readonly number[];
  /** Companion time at creation: panes before it count as closed. */
  now: number;
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

/**
 * Cell → slot, as an open-addressing hash table in one Int32Array: pairs
 * (cell + 1, slot), 0 for an empty place, linear probing, at most half full.
 * A lookup reads one place of one array, where a table of chunks chased
 * three pointers; memory follows the live cells. Neighbouring cells have
 * neighbouring homes (a cursor's next cell is usually in the cache line its
 * last one brought in), which is why the hash keeps the low bits.
 */
export class CellIndex {
  private table = new Int32Array(2 * 16);
  /** log2 of the number of places. */
  private bits = 4;
  private size = 0;

  /** The place `cell` hashes to: its low bits (a page cell is even), folded with the bits above them. */
  private home(cell: number): number {
    return ((cell >>> 1) ^ (cell >>> (this.bits + 1))) & ((1 << this.bits) - 1);
  }

  /** The slot of `cell`, or -1. */
  get(cell: number): number {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    for (let i = this.home(cell); ; i = (i + 1) & mask) {
      const held = table[2 * i] as number;
      if (held === cell + 1) return table[2 * i + 1] as number;
      if (held === 0) return -1;
    }
  }

  /** Maps a cell not in the table to `slot`. */
  set(cell: number, slot: number): void {
    if (2 * (this.size + 1) > 1 << this.bits) this.grow();
    this.place(cell, slot);
    this.size++;
  }

  delete(cell: number): void {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    let i = this.home(cell);
    while ((table[2 * i] as number) !== cell + 1) {
      if (table[2 * i] === 0) return;
      i = (i + 1) & mask;
    }
    // Backward shift: later entries of the run move into the hole when their home allows it.
    for (let j = (i + 1) & mask; table[2 * j] !== 0; j = (j + 1) & mask) {
      const home = this.home((table[2 * j] as number) - 1);
      // Entry j may move to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      table[2 * i] = table[2 * j] as number;
      table[2 * i + 1] = table[2 * j + 1] as number;
      i = j;
    }
    table[2 * i] = 0;
    this.size--;
  }

  private place(cell: number, slot: number): void {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    let i = this.home(cell);
    while (table[2 * i] !== 0) i = (i + 1) & mask;
    table[2 * i] = cell + 1;
    table[2 * i + 1] = slot;
  }

  private grow(): void {
    const old = this.table;
    this.bits++;
    this.table = new Int32Array(2 << this.bits);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] !== 0) this.place((old[i] as number) - 1, old[i + 1] as number);
    }
  }
}

interface KeyState {
  key: string;
  /** Index in `byId`, written in the panes; reused only once no pane holds it. */
  id: number;
  slotOf: CellIndex;
  /** Cell of each slot; -1 for a free slot. */
  cellOf: number[];
  /**
   * Per slot, `stride` numbers side by side: the running count of each window
   * (`s * stride + w`), then how many raw events in the ring use the slot
   * (`s * stride + windows`): the slot is freed when that reaches zero; then
   * its events in the open pane (`s * stride + windows + 1`).
   */
  counts: Int32Array;
  free: number[];
  totals: number[];
  /** Bit w set: window w changed since the last `takeChanges`. */
  dirty: number;
}

export class HoppingHeatmap {
  readonly hopMs: number;
  readonly windowsMs: readonly number[];
  /** Panes per served window. */
  private readonly spans: number[];
  /** Numbers per slot in `counts`: one per window, then the slot's reference count and its open-pane count. */
  private readonly stride: number;
  /** Panes in the longest window, and that window's index. */
  private readonly longest: number;
  private readonly longestIndex: number;
  private readonly states = new Map<string, KeyState>();
  private readonly byId: (KeyState | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /**
   * Raw events of each pane of the longest window and the open one, at
   * `pane % panes.length`: pairs (key id, slot), `paneLength[i]` numbers used.
   */
  private readonly panes: Int32Array[];
  private readonly paneLength: Int32Array;
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
    this.hopMs = hopMs;
    this.windowsMs = [...windowsMs];
    this.spans = windowsMs.map((w) => w / hopMs);
    this.stride = windowsMs.length + 2;
    this.longest = Math.max(...this.spans);
    this.longestIndex = this.spans.indexOf(this.longest);
    this.closed = Math.floor(options.now / hopMs) - 1;
    this.panes = Array.from({ length: this.longest + 1 }, () => EMPTY);
    this.paneLength = new Int32Array(this.longest + 1);
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
    const { hopMs, spans, stride, panes, paneLength } = this;
    const windows = spans.length;
    // Ring index of the open pane; an event d panes older is d places before it (integers, no modulo per event).
    const ringLength = panes.length;
    const openIndex = open % ringLength;
    let state = this.states.get(key);
    let onTime = 0;
    let late = 0;
    let changed = 0;
    for (let e = 0; e < times.length; e++) {
      // A clock still ahead after correction cannot place an event in the future.
      const pane = Math.min(Math.floor((times[e] as number) / hopMs), open);
      if (pane <= oldest) continue;
      if (!state) state = this.createState(key);
      const cell = cellBase + (cells[e] as number);
      let slot = state.slotOf.get(cell);
      if (slot === -1) slot = this.allocate(state, cell);
      const base = slot * stride;
      const counts = state.counts;
      (counts[base + windows] as number)++;
      const back = open - pane;
      const ringIndex = back <= openIndex ? openIndex - back : openIndex - back + ringLength;
      const at = paneLength[ringIndex] as number;
      let raw = panes[ringIndex] as Int32Array;
      if (at === raw.length) raw = this.growPane(ringIndex);
      raw[at] = state.id;
      raw[at + 1] = slot;
      paneLength[ringIndex] = at + 2;
      if (pane === open) {
        (counts[base + windows + 1] as number)++;
        onTime++;
        continue;
      }
      // Late but inside some windows: their running counts take it now.
      late++;
      const age = closed - pane;
      for (let w = 0; w < windows; w++) {
        if (age < (spans[w] as number)) {
          (counts[base + w] as number)++;
          state.totals[w] = (state.totals[w] as number) + 1;
          changed |= 1 << w;
        }
      }
    }
    into.open += onTime;
    into.late += late;
    into.tooOld += times.length - onTime - late;
    if (state && changed) this.markDirty(state, changed);
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
      for (let w = 0; w < this.spans.length; w++) {
        if (state.dirty & (1 << w)) changes.push({ key: state.key, windowIndex: w });
      }
      state.dirty = 0;
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
    const open = withOpen ? this.spans.length + 1 : -1;
    for (let slot = 0; slot < state.cellOf.length; slot++) {
      const base = slot * this.stride;
      const count =
        (state.counts[base + windowIndex] as number) + (open === -1 ? 0 : (state.counts[base + open] as number));
      if (count > 0) fn(state.cellOf[slot] as number, count);
    }
  }

  /**
   * Calls `fn` for each cell of `key` with the events the ring holds for it:
   * the longest window's, plus those of the open pane.
   */
  forEachHeld(key: string, fn: (cell: number, held: number) => void): void {
    const state = this.states.get(key);
    if (!state) return;
    const windows = this.spans.length;
    for (let slot = 0; slot < state.cellOf.length; slot++) {
      const held = state.counts[slot * this.stride + windows] as number;
      if (held > 0) fn(state.cellOf[slot] as number, held);
    }
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

  private createState(key: string): KeyState {
    const state: KeyState = {
      key,
      id: this.freeIds.pop() ?? this.byId.length,
      slotOf: new CellIndex(),
      cellOf: [],
      counts: new Int32Array(16 * this.stride),
      free: [],
      totals: this.spans.map(() => 0),
      dirty: 0,
    };
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

  private allocate(state: KeyState, cell: number): number {
    let slot = state.free.pop();
    if (slot === undefined) {
      slot = state.cellOf.length;
      state.cellOf.push(cell);
      const needed = (slot + 1) * this.stride;
      if (needed > state.counts.length) {
        const grown = new Int32Array(state.counts.length * 2);
        grown.set(state.counts);
        state.counts = grown;
      }
    } else {
      state.cellOf[slot] = cell;
    }
    state.slotOf.set(cell, slot);
    return slot;
  }

  private closeNext(): void {
    const pane = ++this.closed;
    const { stride, byId, panes, paneLength, spans } = this;
    const ringLength = panes.length;
    const windows = spans.length;
    const all = (1 << windows) - 1;
    let raw = panes[pane % ringLength] as Int32Array;
    let length = paneLength[pane % ringLength] as number;
    for (let e = 0; e < length; e += 2) {
      const state = byId[raw[e] as number] as KeyState;
      const { counts, totals } = state;
      const base = (raw[e + 1] as number) * stride;
      // Every event of the closing pane came while it was open: it moves from the open count into the windows.
      (counts[base + windows + 1] as number)--;
      for (let w = 0; w < windows; w++) {
        (counts[base + w] as number)++;
        totals[w] = (totals[w] as number) + 1;
      }
      if (state.dirty === 0) this.dirtyStates.push(state);
      state.dirty = all;
    }
    const longestIndex = this.longestIndex;
    for (let w = 0; w < windows; w++) {
      // The longest window's leaving pane expires from the ring, in the same pass, below.
      if (w === longestIndex) continue;
      const leaving = (pane - (spans[w] as number)) % ringLength;
      raw = panes[leaving] as Int32Array;
      length = paneLength[leaving] as number;
      const bit = 1 << w;
      for (let e = 0; e < length; e += 2) {
        const state = byId[raw[e] as number] as KeyState;
        (state.counts[(raw[e + 1] as number) * stride + w] as number)--;
        state.totals[w] = (state.totals[w] as number) - 1;
        if (state.dirty === 0) this.dirtyStates.push(state);
        state.dirty |= bit;
      }
    }
    // The pane that left the longest window leaves the ring; its place is the next open pane's.
    const expired = (pane - this.longest) % ringLength;
    raw = panes[expired] as Int32Array;
    length = paneLength[expired] as number;
    const bit = 1 << longestIndex;
    for (let e = 0; e < length; e += 2) {
      const state = byId[raw[e] as number] as KeyState;
      const { counts, totals } = state;
      const slot = raw[e + 1] as number;
      const base = slot * stride;
      (counts[base + longestIndex] as number)--;
      const at = base + windows;
      const refs = (counts[at] as number) - 1;
      counts[at] = refs;
      if (refs === 0) {
        state.slotOf.delete(state.cellOf[slot] as number);
        state.cellOf[slot] = -1;
        state.free.push(slot);
      }
      const left = (totals[longestIndex] as number) - 1;
      totals[longestIndex] = left;
      if (state.dirty === 0) this.dirtyStates.push(state);
      state.dirty |= bit;
      // Every event of a key sits in a closed pane of the longest window: none left means none in any pane.
      if (left === 0) {
        this.states.delete(state.key);
        byId[state.id] = undefined;
        this.freeIds.push(state.id);
      }
    }
    paneLength[expired] = 0;
  }

  /** Marks the windows in bit mask `windows` of `state` as changed. */
  private markDirty(state: KeyState, windows: number): void {
    if (state.dirty === 0) this.dirtyStates.push(state);
    state.dirty |= windows;
  }
}

const EMPTY = new Int32Array(0);
