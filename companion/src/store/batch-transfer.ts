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
  const place = (array: ArrayLike<number>, slab: number): Points =>
    slab >= 0 ? (array as Float64Array | Uint32Array).byteOffset : array;
  const packed = batches.map(({ groups, ...rest }) => ({
    ...rest,
    groups: groups.map(({ key, times, cells, anchors, anchorOf, build, tester }): PackedGroup => {
      let slab = -1;
      const buffer = ArrayBuffer.isView(times) ? times.buffer : null;
      // Shared only when all three arrays are views of the same slab.
      if (
        buffer instanceof SharedArrayBuffer &&
        ArrayBuffer.isView(cells) &&
        cells.buffer === buffer &&
        (anchorOf === undefined || (ArrayBuffer.isView(anchorOf) && anchorOf.buffer === buffer))
      ) {
        slab = slabs.indexOf(buffer);
        if (slab === -1) slab = slabs.push(buffer) - 1;
      }
      return [
        key,
        times.length,
        slab,
        place(times, slab),
        place(cells, slab),
        anchorOf === undefined ? null : place(anchorOf, slab),
        anchors ?? null,
        build ?? null,
        tester ?? null,
      ];
    }),
  }));
  return { slabs, batches: packed };
}

export function unpackBatches({ slabs, batches }: PackedBatches): StoredBatch[] {
  return batches.map(({ groups, ...rest }) => ({
    ...rest,
    groups: groups.map(([key, n, slab, times, cells, anchorOf, anchors, build, tester]) => {
      const buffer = slabs[slab];
      const ints = (points: Points) =>
        buffer ? new Uint32Array(buffer, points as number, n) : (points as ArrayLike<number>);
      const group: KeyedPoints = {
        key,
        times: buffer ? new Float64Array(buffer, times as number, n) : (times as ArrayLike<number>),
        cells: ints(cells),
      };
      if (anchorOf !== null) group.anchorOf = ints(anchorOf);
      if (anchors !== null) group.anchors = anchors;
      if (build !== null) group.build = build;
      if (tester !== null) group.tester = tester;
      return group;
    }),
  }));
}
