/**
 * How a stored batch's groups are written in the `batches` table: a short
 * JSON head (each group's key, point count and anchors) and a binary body.
 * Writing numbers as bytes rather than JSON text is what lets a commit keep
 * pace with the intake, and the fewer bytes a batch takes the fewer pages a
 * commit writes (twice: to the WAL, then to the file at a checkpoint).
 *
 * Three layouts are read:
 * - compact (written whenever every time is a whole millisecond within 2^32
 *   ms of the batch's earliest): the head is `{"base": earliest, "groups":
 *   [...]}` and the body is uint32 only, group by group: its times as
 *   milliseconds after `base` (left out when they equal the previous
 *   group's, as a page's loose points repeat its points' times), its cells,
 *   its anchor indices; the same in uint16 when every one of those numbers
 *   fits (a batch's points span seconds, a page's cells rarely pass 65,535),
 *   said by `"w": 2` in the head: half the bytes;
 * - wide (any other times): the head is the groups' array and the body every
 *   group's times as float64, then its cells and anchor indices as uint32;
 * - rows written before batches had a body (body NULL) hold the groups as
 *   JSON in the head.
 */
import type { KeyedPoints } from "../pipeline";

/**
 * `[key, points, anchors, tags, sameTimes]` per group, in the body's order.
 * tags (build, tester) only when it has any or a later field follows;
 * sameTimes (1: its times are the previous group's, not in the body) only in
 * the compact layout.
 */
type Entry = [string, number, string[] | null, ([string | null, string | null] | null)?, 1?];

interface CompactHead {
  base: number;
  /** Bytes per number in the body: 2, or 4 when absent. */
  w?: 2;
  groups: Entry[];
}

export interface EncodedGroups {
  head: string;
  body: Buffer;
  /** The newest point's time, or 0 when there is none. */
  maxT: number;
}

const UINT32_MAX = 2 ** 32 - 1;
const UINT16_MAX = 2 ** 16 - 1;

/**
 * Where the bodies of one commit's batches are written: one buffer for many
 * bodies, written over by the next commit. A buffer of its own per body cost
 * more than the rest of its encoding (an ArrayBuffer is allocated outside the
 * heap, and its release is the collector's work). SQLite copies a blob when
 * it is bound, so a body need not outlive its insert.
 */
export class BodyArena {
  private buffer: ArrayBuffer;
  private used = 0;

  constructor(bytes = 64 * 1024) {
    this.buffer = new ArrayBuffer(bytes);
  }

  /** Takes the buffer again from its start: every body taken before must have been inserted. */
  reset(): void {
    this.used = 0;
  }

  /** `bytes` zeroed bytes, at an offset aligned to 8. A larger buffer is taken when full; bodies in the last one stay. */
  take(bytes: number): { buffer: ArrayBuffer; offset: number } {
    const aligned = (bytes + 7) & ~7;
    if (this.used + aligned > this.buffer.byteLength) {
      this.buffer = new ArrayBuffer(Math.max(this.buffer.byteLength * 2, aligned));
      this.used = 0;
    }
    const offset = this.used;
    this.used += aligned;
    new Uint8Array(this.buffer, offset, aligned).fill(0);
    return { buffer: this.buffer, offset };
  }
}

/** `bytes` bytes to encode a body in: from `arena` when there is one, else a buffer of their own. */
function space(bytes: number, arena: BodyArena | undefined): { buffer: ArrayBuffer; offset: number } {
  return arena ? arena.take(bytes) : { buffer: new ArrayBuffer(bytes), offset: 0 };
}

/** Encodes a batch's groups; its body in `arena` if given (valid until the arena is reset). */
export function encodeGroups(groups: readonly KeyedPoints[], arena?: BodyArena): EncodedGroups {
  let minT = Number.POSITIVE_INFINITY;
  let maxT = 0;
  let whole = true;
  for (const { key, times, cells, anchorOf } of groups) {
    if (cells.length !== times.length || (anchorOf && anchorOf.length !== times.length)) {
      throw new Error(`group ${key}: times, cells and anchors differ in length`);
    }
    for (let i = 0; i < times.length; i++) {
      const t = times[i] as number;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
      if (!Number.isInteger(t)) whole = false;
    }
  }
  const compact = whole && (minT === Number.POSITIVE_INFINITY || maxT - minT <= UINT32_MAX);
  return compact
    ? encodeCompact(groups, minT === Number.POSITIVE_INFINITY ? 0 : minT, maxT, arena)
    : encodeWide(groups, maxT, arena);
}

function entryOf({ key, times, anchors, anchorOf, build, tester }: KeyedPoints, sameTimes: boolean): Entry {
  const entry: Entry = [key, times.length, anchors && anchorOf ? anchors : null];
  if (build !== undefined || tester !== undefined || sameTimes) {
    entry.push(build !== undefined || tester !== undefined ? [build ?? null, tester ?? null] : null);
  }
  if (sameTimes) entry.push(1);
  return entry;
}

function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function encodeCompact(
  groups: readonly KeyedPoints[],
  base: number,
  maxT: number,
  arena: BodyArena | undefined,
): EncodedGroups {
  const entries: Entry[] = [];
  let words = 0;
  // The largest number the body holds: whether 16 bits hold them all.
  let largest = maxT - base;
  groups.forEach((group, g) => {
    const same = g > 0 && sameNumbers(group.times, (groups[g - 1] as KeyedPoints).times);
    entries.push(entryOf(group, same));
    const n = group.times.length;
    words += (same ? 0 : n) + n + (group.anchors && group.anchorOf ? n : 0);
    largest = Math.max(largest, largestOf(group.cells));
    if (group.anchors && group.anchorOf) largest = Math.max(largest, largestOf(group.anchorOf));
  });
  const narrow = largest <= UINT16_MAX;
  const { buffer, offset } = space(words * (narrow ? 2 : 4), arena);
  const ints = narrow ? new Uint16Array(buffer, offset, words) : new Uint32Array(buffer, offset, words);
  let w = 0;
  groups.forEach((group, g) => {
    if ((entries[g] as Entry)[4] !== 1) {
      for (let i = 0; i < group.times.length; i++) ints[w + i] = (group.times[i] as number) - base;
      w += group.times.length;
    }
    w = putInts(ints, w, group, group.cells);
    if (group.anchors && group.anchorOf) w = putInts(ints, w, group, group.anchorOf);
  });
  const head: CompactHead = narrow ? { base, w: 2, groups: entries } : { base, groups: entries };
  return { head: JSON.stringify(head), body: Buffer.from(buffer, offset, ints.byteLength), maxT };
}

/** The largest of `list`, or 0; a number that is no cell is left for putInts to refuse. */
function largestOf(list: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < list.length; i++) if ((list[i] as number) > largest) largest = list[i] as number;
  return largest;
}

function encodeWide(groups: readonly KeyedPoints[], maxT: number, arena: BodyArena | undefined): EncodedGroups {
  let points = 0;
  let words = 0;
  for (const { times, anchors, anchorOf } of groups) {
    points += times.length;
    words += times.length * (anchors && anchorOf ? 2 : 1);
  }
  // Times first, so that the float64 section starts at offset 0 and stays aligned.
  const length = points * 8 + words * 4;
  const { buffer, offset } = space(length, arena);
  const times = new Float64Array(buffer, offset, points);
  const ints = new Uint32Array(buffer, offset + points * 8, words);
  let t = 0;
  let w = 0;
  for (const group of groups) {
    times.set(group.times, t);
    t += group.times.length;
    w = putInts(ints, w, group, group.cells);
    if (group.anchors && group.anchorOf) w = putInts(ints, w, group, group.anchorOf);
  }
  return {
    head: JSON.stringify(groups.map((g) => entryOf(g, false))),
    body: Buffer.from(buffer, offset, length),
    maxT,
  };
}

/** Writes `list` (cells or anchor indices) at `w`; the index after it. */
function putInts(ints: Uint32Array | Uint16Array, w: number, group: KeyedPoints, list: ArrayLike<number>): number {
  // Ingest's groups are uint32 already (gateway/ingest.ts): copied in one go (into 16 bits only once they fit).
  if (list instanceof Uint32Array) ints.set(list, w);
  else {
    for (let i = 0; i < list.length; i++) {
      const value = list[i] as number;
      if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
        throw new Error(`group ${group.key}: ${value} is not a cell or anchor index`);
      }
      ints[w + i] = value;
    }
  }
  return w + list.length;
}

export function decodeGroups(head: string, body: Buffer | null): KeyedPoints[] {
  if (body === null) return JSON.parse(head) as KeyedPoints[];
  return decodeGroupViews(head, body).map(({ times, cells, anchorOf, ...group }) => ({
    ...group,
    times: Array.from(times),
    cells: Array.from(cells),
    ...(anchorOf && { anchorOf: Array.from(anchorOf) }),
  }));
}

/** The groups of a row as typed arrays (decodeGroups copies them into plain arrays). */
export function decodeGroupViews(head: string, body: Buffer | null): KeyedPoints[] {
  if (body === null) return JSON.parse(head) as KeyedPoints[];
  const parsed = JSON.parse(head) as Entry[] | CompactHead;
  // A copy at offset 0, so the typed views are aligned whatever SQLite's buffer is.
  const bytes = new Uint8Array(body).buffer;
  if (Array.isArray(parsed)) return decodeWide(parsed, bytes);
  const ints = parsed.w === 2 ? new Uint16Array(bytes) : new Uint32Array(bytes);
  const groups: KeyedPoints[] = [];
  let previous: Float64Array = new Float64Array(0);
  let w = 0;
  for (const entry of parsed.groups) {
    const n = entry[1];
    let times = previous;
    if (entry[4] !== 1) {
      times = new Float64Array(n);
      for (let i = 0; i < n; i++) times[i] = parsed.base + (ints[w + i] as number);
      w += n;
    }
    previous = times;
    groups.push(groupOf(entry, times, ints.subarray(w, w + n), ints, w + n));
    w += entry[2] ? 2 * n : n;
  }
  return groups;
}

function decodeWide(entries: Entry[], bytes: ArrayBuffer): KeyedPoints[] {
  let points = 0;
  for (const [, n] of entries) points += n;
  const times = new Float64Array(bytes, 0, points);
  const ints = new Uint32Array(bytes, points * 8);
  const groups: KeyedPoints[] = [];
  let t = 0;
  let w = 0;
  for (const entry of entries) {
    const n = entry[1];
    groups.push(groupOf(entry, times.subarray(t, t + n), ints.subarray(w, w + n), ints, w + n));
    t += n;
    w += entry[2] ? 2 * n : n;
  }
  return groups;
}

/** A group from its entry, times and cells; its anchor indices, if it has anchors, start at `anchorsAt` of `ints`. */
function groupOf(
  [key, n, anchors, tags]: Entry,
  times: Float64Array,
  cells: Uint32Array | Uint16Array,
  ints: Uint32Array | Uint16Array,
  anchorsAt: number,
): KeyedPoints {
  const group: KeyedPoints = { key, times, cells };
  if (anchors) {
    group.anchors = anchors;
    group.anchorOf = ints.subarray(anchorsAt, anchorsAt + n);
  }
  if (tags?.[0] != null) group.build = tags[0];
  if (tags?.[1] != null) group.tester = tags[1];
  return group;
}
