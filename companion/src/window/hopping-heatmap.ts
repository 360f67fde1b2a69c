/**
 * Hopping-window heatmaps on a pane ring.
 *
 * Time is cut into panes of `hopMs`. One ring of panes, shared by every key,
 * holds the raw events (slots) of each hop of the longest window; each key
 * keeps one running count per cell and served window. Closing a pane adds its
 * events to every running count and subtracts, from each window, the pane
 * that just left it: counts are invertible, so an event costs O(1) whatever
 * the window/hop ratio, and a hop costs work proportional to the events of
 * the panes entering and leaving.
 *
 * A key's cells are interned into slots (cell → slot, in the key's
 * `CellIndex`), and the slots of every key live in a few large typed arrays
 * (the running counts of all windows side by side, then the open pane's
 * count): a pane event is two integers (its slot and its key's id), and
 * closing a pane walks flat arrays without reading any per-key object. A
 * pane is one growing Int32Array for all keys rather than a ring per key: a
 * key costs no ring of (longest window / hop) entries, and a steady stream
 * allocates nothing.
 *
 * At many keys an event's cost is its cache misses, and misses cost least
 * many at a time: in a large ring an arriving event is only logged (its key,
 * cell and pane). Before anything reads the ring or a pane closes, and
 * whenever it holds 4,096 events, the log is placed a few dozen events at a
 * time: their index places are read in a loop of their own, then each
 * event's slot is found (and read), then counted: in its open count if it
 * came on time, in the windows it is in if late. Closing a pane likewise
 * reads its events' slots a few dozen at a time. A small ring (all in the
 * cache) places each batch as it arrives.
 *
 * Panes close on the clock passed to `advance`, never on event time, so a key
 * that goes quiet decays to empty and is then evicted. Nothing here reads a
 * clock, a socket or a timer.
 *
 * The open-pane counts let a live viewer see the window as it is now (closed
 * panes in the window + the open pane so far); closing the pane moves each
 * of its events from its slot's open count into the running counts, so no
 * event is counted twice.
 */

export interface HoppingOptions {
  /** Pane length in ms. */
  hopMs: number;
  /** Served window lengths in ms, each a multiple of `hopMs`. */
  windowsMs: readonly number[];
  /** Companion time at creation: panes before it count as closed. */
  now: number;
  /**
   * Low bits of a cell that neighbouring cells share (1 by default, as a page
   * grid cell's layer; a page key's point cells have 3): its home is hashed
   * from the bits above them.
   */
  cellShift?: number;
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
 * Cell → slot, as an open-addressing hash table in one Int32Array: per place
 * (cell + 1, slot), 0 for an empty place, linear probing, at most three
 * quarters full: eight places a cache line. A lookup reads one place of one
 * array, where a table of chunks chased three pointers; memory follows the
 * live cells.
 * Neighbouring cells have neighbouring homes (a cursor's next cell is usually
 * in the cache line its last one brought in), which is why the hash keeps the
 * low bits.
 */
export class CellIndex {
  constructor(private readonly shift = 1) {}

  private table = new Int32Array(PLACE * 16);
  /** log2 of the number of places. */
  private bits = 4;
  private size = 0;

  /** The place `cell` hashes to: its bits above `shift` (HoppingOptions.cellShift), folded with the bits above them. */
  private home(cell: number): number {
    return ((cell >>> this.shift) ^ (cell >>> (this.bits + this.shift))) & ((1 << this.bits) - 1);
  }

  /** The place of `cell`, or -1. */
  find(cell: number): number {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    for (let i = this.home(cell); ; i = (i + 1) & mask) {
      const held = table[PLACE * i] as number;
      if (held === cell + 1) return i;
      if (held === 0) return -1;
    }
  }

  /** What the home of `cell` holds: read ahead of `find`, it brings the place into the cache. */
  peek(cell: number): number {
    return this.table[PLACE * this.home(cell)] as number;
  }

  /** The slot of `cell`, or -1. */
  get(cell: number): number {
    const i = this.find(cell);
    return i === -1 ? -1 : (this.table[PLACE * i + 1] as number);
  }

  /** The slot at place `i`. */
  slotAt(i: number): number {
    return this.table[PLACE * i + 1] as number;
  }

  /** Maps a cell not in the table to `slot`; its place. */
  set(cell: number, slot: number): number {
    if (4 * (this.size + 1) > 3 << this.bits) this.grow();
    this.size++;
    return this.place(cell, slot);
  }

  delete(cell: number): void {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    let i = this.home(cell);
    while ((table[PLACE * i] as number) !== cell + 1) {
      if (table[PLACE * i] === 0) return;
      i = (i + 1) & mask;
    }
    // Backward shift: later entries of the run move into the hole when their home allows it.
    for (let j = (i + 1) & mask; table[PLACE * j] !== 0; j = (j + 1) & mask) {
      const home = this.home((table[PLACE * j] as number) - 1);
      // Entry j may move to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      table.copyWithin(PLACE * i, PLACE * j, PLACE * j + PLACE);
      i = j;
    }
    table[PLACE * i] = 0;
    this.size--;
  }

  /** Calls `fn` for each cell in the table with its slot, in table order. */
  forEach(fn: (cell: number, slot: number) => void): void {
    const table = this.table;
    for (let i = 0; i < table.length; i += PLACE) {
      if (table[i] === 0) continue;
      fn((table[i] as number) - 1, table[i + 1] as number);
    }
  }

  private place(cell: number, slot: number): number {
    const table = this.table;
    const mask = (1 << this.bits) - 1;
    let i = this.home(cell);
    while (table[PLACE * i] !== 0) i = (i + 1) & mask;
    table[PLACE * i] = cell + 1;
    table[PLACE * i + 1] = slot;
    return i;
  }

  private grow(): void {
    const old = this.table;
    this.bits++;
    this.table = new Int32Array(PLACE << this.bits);
    for (let i = 0; i < old.length; i += PLACE) {
      if (old[i] !== 0) {
        this.place((old[i] as number) - 1, old[i + 1] as number);
      }
    }
  }
}

/** Numbers per place of a `CellIndex`. */
const PLACE = 2;

/** A live key: its cells' slots (the index it extends), and where its totals and dirty bits are. */
class KeyState extends CellIndex {
  /** Dirty bits left when the key was forgotten with changes not yet taken; `id` is then -1. */
  dirtyLeft = 0;

  constructor(
    readonly key: string,
    /** Index in `byId`, `totals` and `dirty`, written in the slots; reused once the key is forgotten. */
    public id: number,
    shift: number,
  ) {
    super(shift);
  }
}

export class HoppingHeatmap {
  readonly hopMs: number;
  readonly windowsMs: readonly number[];
  /** Panes per served window. */
  private readonly spans: number[];
  /**
   * Numbers per slot in `slotChunks`: the running count of each window, then
   * its count in the open pane (four numbers with three windows: a slot never
   * straddles two cache lines). Its cell is in `cellChunks`, read only when
   * the slot is freed. The longest window's count is the slot's reference
   * count: every event in a closed pane of the ring is in that window (an
   * older one is refused), and the open pane is empty when the longest
   * window's leaving pane expires, so the slot is freed when it reaches zero.
   */
  private readonly stride: number;
  /** Panes in the longest window, and that window's index. */
  private readonly longest: number;
  private readonly longestIndex: number;
  private readonly states = new Map<string, KeyState>();
  private readonly byId: (KeyState | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /**
   * Every key's slots, `stride` numbers each, slot s in chunk
   * `s >>> SLOT_CHUNK_BITS` from `(s & SLOT_CHUNK_MASK) * stride`: a slot's
   * numbers share a cache line wherever its key's other slots are, and a pane
   * event carries its key's id, so closing a pane reads no per-key object.
   * Chunks rather than one array that doubles: a new slot never copies the
   * others, and at most one chunk is held unused.
   */
  private readonly slotChunks: Int32Array[] = [new Int32Array(0)];
  /** Each slot's cell, laid out as `slotChunks` one number a slot. */
  private readonly cellChunks: Int32Array[] = [new Int32Array(0)];
  /** Slots ever used; freed ones wait in `freeSlots`. */
  private slotCount = 0;
  private readonly freeSlots: number[] = [];
  /** Per key id, each window's events (`id * windows + w`). */
  private totals = new Int32Array(0);
  /** Per key id, bit w set: window w changed since the last `takeChanges`. */
  private dirty = new Int32Array(0);
  /**
   * Raw events of each pane of the longest window and the open one, at
   * `pane % panes.length`: pairs (slot, key id), `paneLength[i]` numbers used.
   */
  private readonly panes: Int32Array[];
  private readonly paneLength: Int32Array;
  private readonly dirtyStates: KeyState[] = [];
  /**
   * Events counted but not yet placed, four numbers each: their key's id,
   * their cell, their pane's ring index, and the windows (as bits) a late one
   * is in (0 for one in the open pane). `place` gives them slots before
   * anything reads the slots or a pane closes, and at `PLACE_AT`.
   */
  private pending: Int32Array = new Int32Array(1024);
  private pendingLength = 0;
  /** The slots of the events `place` is placing, `LOOKAHEAD / 4` at a time. */
  private readonly found = new Int32Array(LOOKAHEAD / 4);
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: written, never read, so that the reads ahead in `place` and `closeNext` are not optimised away.
  private peeked = 0;
  /** Index of the newest closed pane. */
  private closed: number;
  /** HoppingOptions.cellShift. */
  private readonly cellShift: number;

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
    this.cellShift = options.cellShift ?? 1;
    this.windowsMs = [...windowsMs];
    this.spans = windowsMs.map((w) => w / hopMs);
    this.stride = windowsMs.length + 1;
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
    const { hopMs, spans } = this;
    const windows = spans.length;
    // Ring index of the open pane; an event d panes older is d places before it (integers, no modulo per event).
    const ringLength = this.panes.length;
    const openIndex = open % ringLength;
    let state = this.states.get(key);
    let totals = this.totals;
    let onTime = 0;
    let late = 0;
    let changed = 0;
    let pending = this.pending;
    let length = this.pendingLength;
    for (let e = 0; e < times.length; e++) {
      // A clock still ahead after correction cannot place an event in the future.
      const pane = Math.min(Math.floor((times[e] as number) / hopMs), open);
      if (pane <= oldest) continue;
      if (!state) {
        state = this.createState(key);
        totals = this.totals;
      }
      const back = open - pane;
      let inWindows = 0;
      if (pane === open) onTime++;
      else {
        // Late but inside some windows: their totals take it now, their slot's counts once it is placed.
        late++;
        const age = closed - pane;
        for (let w = 0; w < windows; w++) {
          if (age < (spans[w] as number)) {
            (totals[state.id * windows + w] as number)++;
            inWindows |= 1 << w;
          }
        }
        changed |= inWindows;
      }
      if (length === pending.length) {
        pending = doubled(pending);
        this.pending = pending;
      }
      pending[length++] = state.id;
      pending[length++] = cellBase + (cells[e] as number);
      pending[length++] = back <= openIndex ? openIndex - back : openIndex - back + ringLength;
      pending[length++] = inWindows;
    }
    this.pendingLength = length;
    // A small ring is in the cache: its events are placed at once. A large one's log stays in the cache too,
    // and a pane close never places a whole pane's events at once.
    if (length >= PLACE_AT || this.slotCount <= READ_AHEAD_SLOTS) this.place();
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
    this.place();
    const { slotChunks, stride } = this;
    const openAt = this.spans.length;
    state.forEach((cell, slot) => {
      const chunk = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
      const base = (slot & SLOT_CHUNK_MASK) * stride;
      const count = (chunk[base + windowIndex] as number) + (withOpen ? (chunk[base + openAt] as number) : 0);
      if (count > 0) fn(cell, count);
    });
  }

  /**
   * Calls `fn` for each cell of `key` with the events the ring holds for it:
   * the longest window's, plus those of the open pane.
   */
  forEachHeld(key: string, fn: (cell: number, held: number) => void): void {
    const state = this.states.get(key);
    if (!state) return;
    this.place();
    const { slotChunks, stride, longestIndex } = this;
    const openAt = this.spans.length;
    state.forEach((cell, slot) => {
      const chunk = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
      const base = (slot & SLOT_CHUNK_MASK) * stride;
      const held = (chunk[base + longestIndex] as number) + (chunk[base + openAt] as number);
      if (held > 0) fn(cell, held);
    });
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

  private createState(key: string): KeyState {
    const state = new KeyState(key, this.freeIds.pop() ?? this.byId.length, this.cellShift);
    const windows = this.spans.length;
    if (state.id >= this.dirty.length) {
      const capacity = Math.max(16, 2 * this.dirty.length);
      const totals = new Int32Array(capacity * windows);
      totals.set(this.totals);
      this.totals = totals;
      const dirty = new Int32Array(capacity);
      dirty.set(this.dirty);
      this.dirty = dirty;
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

  /** A slot for `cell` of `state`; its place in the key's index. */
  private allocate(state: KeyState, cell: number): number {
    const { slotChunks, cellChunks, stride } = this;
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slotCount++;
      const last = slotChunks.length - 1;
      const room = (cellChunks[last] as Int32Array).length;
      if ((slot & SLOT_CHUNK_MASK) === 0 && slot > 0) {
        slotChunks.push(new Int32Array(SLOT_CHUNK * stride));
        cellChunks.push(new Int32Array(SLOT_CHUNK));
      } else if ((slot & SLOT_CHUNK_MASK) === room) {
        // The first chunk doubles up to a whole chunk, so that a small ring holds little.
        const slots = new Int32Array(Math.max(64, 2 * room) * stride);
        slots.set(slotChunks[last] as Int32Array);
        slotChunks[last] = slots;
        const cells = new Int32Array(Math.max(64, 2 * room));
        cells.set(cellChunks[last] as Int32Array);
        cellChunks[last] = cells;
      }
    }
    // A freed slot's counts are zero already: its longest window's is, the others count fewer panes, and the
    // open pane is empty when a slot is freed.
    (cellChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array)[slot & SLOT_CHUNK_MASK] = cell;
    return state.set(cell, slot);
  }

  private closeNext(): void {
    this.place();
    const pane = ++this.closed;
    const { stride, slotChunks, totals, dirty, panes, paneLength, spans } = this;
    const ringLength = panes.length;
    const windows = spans.length;
    const all = (1 << windows) - 1;
    const ahead = this.slotCount > READ_AHEAD_SLOTS;
    let peeked = 0;
    let raw = panes[pane % ringLength] as Int32Array;
    let length = paneLength[pane % ringLength] as number;
    for (let e = 0; e < length; e += 2) {
      if (ahead && e % (2 * GATHER) === 0) peeked |= this.readAhead(raw, e, Math.min(length, e + 2 * GATHER));
      const slot = raw[e] as number;
      const id = raw[e + 1] as number;
      const slots = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
      const base = (slot & SLOT_CHUNK_MASK) * stride;
      // Every event of the closing pane came while it was open: it leaves the open count and joins the windows.
      (slots[base + windows] as number)--;
      for (let w = 0; w < windows; w++) {
        (slots[base + w] as number)++;
        (totals[id * windows + w] as number)++;
      }
      if (dirty[id] === 0) this.dirtyStates.push(this.byId[id] as KeyState);
      dirty[id] = all;
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
        if (ahead && e % (2 * GATHER) === 0) peeked |= this.readAhead(raw, e, Math.min(length, e + 2 * GATHER));
        const slot = raw[e] as number;
        const slots = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
        (slots[(slot & SLOT_CHUNK_MASK) * stride + w] as number)--;
        const id = raw[e + 1] as number;
        (totals[id * windows + w] as number)--;
        if (dirty[id] === 0) this.dirtyStates.push(this.byId[id] as KeyState);
        dirty[id] = (dirty[id] as number) | bit;
      }
    }
    // The pane that left the longest window leaves the ring; its place is the next open pane's.
    const expired = (pane - this.longest) % ringLength;
    raw = panes[expired] as Int32Array;
    length = paneLength[expired] as number;
    const bit = 1 << longestIndex;
    for (let e = 0; e < length; e += 2) {
      if (ahead && e % (2 * GATHER) === 0) peeked |= this.readAhead(raw, e, Math.min(length, e + 2 * GATHER));
      const slot = raw[e] as number;
      const slots = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
      const base = (slot & SLOT_CHUNK_MASK) * stride;
      const refs = (slots[base + longestIndex] as number) - 1;
      slots[base + longestIndex] = refs;
      const id = raw[e + 1] as number;
      if (dirty[id] === 0) this.dirtyStates.push(this.byId[id] as KeyState);
      dirty[id] = (dirty[id] as number) | bit;
      if (refs === 0) {
        const cell = (this.cellChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array)[slot & SLOT_CHUNK_MASK] as number;
        (this.byId[id] as KeyState).delete(cell);
        this.freeSlots.push(slot);
      }
      const left = (totals[id * windows + longestIndex] as number) - 1;
      totals[id * windows + longestIndex] = left;
      // Every event of a key sits in a closed pane of the longest window: none left means none in any pane.
      if (left === 0) this.forget(id);
    }
    paneLength[expired] = 0;
    this.peeked = peeked;
  }

  /**
   * Places every pending event: finds (or gives) its cell a slot in its key's
   * index, writes (slot, key id) into its pane, and counts it in its slot: in
   * the open count, or, late, in the windows it is in. In a large ring the
   * events go `LOOKAHEAD` at a time, in three loops whose cache misses
   * overlap: reading their index places, finding their slots (and reading
   * them), then counting.
   */
  private place(): void {
    const length = this.pendingLength;
    if (length === 0) return;
    const { pending, byId, panes, paneLength, slotChunks, stride, found } = this;
    const windows = this.spans.length;
    let peeked = 0;
    const ahead = this.slotCount > READ_AHEAD_SLOTS;
    for (let from = 0; from < length; from += LOOKAHEAD) {
      const to = Math.min(length, from + LOOKAHEAD);
      if (ahead) {
        for (let j = from; j < to; j += 4) {
          peeked |= (byId[pending[j] as number] as KeyState).peek(pending[j + 1] as number);
        }
      }
      for (let i = from; i < to; i += 4) {
        const id = pending[i] as number;
        const state = byId[id] as KeyState;
        const cell = pending[i + 1] as number;
        let place = state.find(cell);
        if (place === -1) place = this.allocate(state, cell);
        const slot = state.slotAt(place);
        found[(i - from) >> 2] = slot;
        if (ahead)
          peeked |= (slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array)[(slot & SLOT_CHUNK_MASK) * stride] as number;
        const ringIndex = pending[i + 2] as number;
        const at = paneLength[ringIndex] as number;
        let raw = panes[ringIndex] as Int32Array;
        if (at === raw.length) raw = this.growPane(ringIndex);
        raw[at] = slot;
        raw[at + 1] = id;
        paneLength[ringIndex] = at + 2;
      }
      for (let i = from; i < to; i += 4) {
        const slot = found[(i - from) >> 2] as number;
        const slots = slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array;
        const base = (slot & SLOT_CHUNK_MASK) * stride;
        const inWindows = pending[i + 3] as number;
        if (inWindows === 0) (slots[base + windows] as number)++;
        else {
          for (let w = 0; w < windows; w++) {
            if (inWindows & (1 << w)) (slots[base + w] as number)++;
          }
        }
      }
    }
    this.peeked = peeked;
    this.pendingLength = 0;
  }

  /** Reads the slots of pane events `from` … `to` − 1 (numbers of `raw`, two an event) in a loop of their own: their cache misses overlap. */
  private readAhead(raw: Int32Array, from: number, to: number): number {
    const { slotChunks, stride } = this;
    let peeked = 0;
    for (let e = from; e < to; e += 2) {
      const slot = raw[e] as number;
      peeked |= (slotChunks[slot >>> SLOT_CHUNK_BITS] as Int32Array)[(slot & SLOT_CHUNK_MASK) * stride] as number;
    }
    return peeked;
  }

  /** Drops key `id` (no event left), keeping its changes not yet taken on its state. */
  private forget(id: number): void {
    const state = this.byId[id] as KeyState;
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

/** A copy of `array` in one twice as long. */
function doubled(array: Int32Array): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(2 * array.length);
  grown.set(array);
  return grown;
}

/** Events that `place` takes at a time (their index places read ahead), in numbers of `pending` (four an event). */
const LOOKAHEAD = 4 * 32;

/** Numbers in the pending log (four an event) at which `addMany` places it: 64 kB. */
const PLACE_AT = 4 * 4096;

/** Events whose slots `closeNext` reads ahead at a time. */
const GATHER = 32;

/**
 * Slots in use above which events wait in the pending log and `place` and `closeNext` read ahead: with fewer,
 * every key's slots and index places stay in the cache, and both would only cost.
 */
const READ_AHEAD_SLOTS = 1 << 15;

/** Slots per chunk of `slotChunks`, as a power of two. */
const SLOT_CHUNK_BITS = 14;
const SLOT_CHUNK = 1 << SLOT_CHUNK_BITS;
const SLOT_CHUNK_MASK = SLOT_CHUNK - 1;
