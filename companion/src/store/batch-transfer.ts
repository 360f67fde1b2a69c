/**
 * How batches cross to the commit thread: a group's points in shared memory
 * (gateway/ingest.ts) go as their place in it, so that a message carries a
 * few numbers and strings per group rather than typed arrays, each of which
 * the structured clone rebuilds on the other side; points in ordinary arrays
 * (batches not from ingest) go as they are.
 */
import type { KeyedPoints } from "../pipeline";
import type { StoredBatch } from "./event-store";

/** A group's points: their byte offset in the message's slab `slab`, or the array itself. */
type Points = number | ArrayLike<number>;

/** Per group: key, length, slab (-1: none), times, cells, anchor indices (null: none), anchors, build, tester. */
type PackedGroup = [
  string,
  number,
  number,
  Points,
  Points,
  Points | null,
  string[] | null,
  string | null,
  string | null,
];

export interface PackedBatch extends Omit<StoredBatch, "groups"> {
  groups: PackedGroup[];
}

/** Batches packed for one message: the shared slabs their points are in, by index. */
export interface PackedBatches {
  slabs: SharedArrayBuffer[];
  batches: PackedBatch[];
}

export function packBatches(batches: readonly StoredBatch[]): PackedBatches {
  const slabs: SharedArrayBuffer[] = [];
  const packed = batches.map(({ groups, ...rest }) => ({ ...rest, groups: groups.map((g) => packGroup(g, slabs)) }));
  return { slabs, batches: packed };
}

function packGroup({ key, times, cells, anchors, anchorOf, build, tester }: KeyedPoints, slabs: SharedArrayBuffer[]) {
  const buffer = ArrayBuffer.isView(times) ? times.buffer : null;
  // Sent as places only when all its arrays are views of one slab.
  if (
    buffer instanceof SharedArrayBuffer &&
    ArrayBuffer.isView(cells) &&
    cells.buffer === buffer &&
    (anchorOf === undefined || (ArrayBuffer.isView(anchorOf) && anchorOf.buffer === buffer))
  ) {
    let slab = slabs.indexOf(buffer);
    if (slab === -1) slab = slabs.push(buffer) - 1;
    const packed: PackedGroup = [
      key,
      times.length,
      slab,
      (times as Float64Array).byteOffset,
      (cells as Uint32Array).byteOffset,
      anchorOf === undefined ? null : (anchorOf as Uint32Array).byteOffset,
      anchors ?? null,
      build ?? null,
      tester ?? null,
    ];
    return packed;
  }
  const packed: PackedGroup = [
    key,
    times.length,
    -1,
    times,
    cells,
    anchorOf ?? null,
    anchors ?? null,
    build ?? null,
    tester ?? null,
  ];
  return packed;
}

export function unpackBatches({ slabs, batches }: PackedBatches): StoredBatch[] {
  return batches.map(({ groups, ...rest }) => ({
    ...rest,
    groups: groups.map((packed) => unpackGroup(packed, slabs)),
  }));
}

function unpackGroup(
  [key, n, slab, times, cells, anchorOf, anchors, build, tester]: PackedGroup,
  slabs: readonly SharedArrayBuffer[],
): KeyedPoints {
  const buffer = slabs[slab];
  const group: KeyedPoints = buffer
    ? { key, times: new Float64Array(buffer, times as number, n), cells: new Uint32Array(buffer, cells as number, n) }
    : { key, times: times as ArrayLike<number>, cells: cells as ArrayLike<number> };
  if (anchorOf !== null) {
    group.anchorOf = buffer ? new Uint32Array(buffer, anchorOf as number, n) : (anchorOf as ArrayLike<number>);
  }
  if (anchors !== null) group.anchors = anchors;
  if (build !== null) group.build = build;
  if (tester !== null) group.tester = tester;
  return group;
}
