/**
 * How a stored batch's groups are written in the `batches` table: a short
 * JSON head (each group's key, point count and anchors) and a binary body
 * (every group's times as float64, then its cells and anchor indices as
 * uint32). Writing numbers as bytes rather than JSON text is what lets a
 * commit keep pace with the intake; rows written before it (body NULL) hold
 * the groups as JSON in the head and are still read.
 */
import type { KeyedPoints } from "../pipeline";

/** `[key, points, anchors, tags]` per group, in the body's order; tags (build, tester) only when it has any. */
type Head = [string, number, string[] | null, [string | null, string | null]?][];

export interface EncodedGroups {
  head: string;
  body: Buffer;
}

const UINT32_MAX = 2 ** 32 - 1;

export function encodeGroups(groups: readonly KeyedPoints[]): EncodedGroups {
  const head: Head = [];
  let points = 0;
  let words = 0;
  for (const { key, times, cells, anchors, anchorOf, build, tester } of groups) {
    if (cells.length !== times.length || (anchorOf && anchorOf.length !== times.length)) {
      throw new Error(`group ${key}: times, cells and anchors differ in length`);
    }
    const entry: Head[number] = [key, times.length, anchors && anchorOf ? anchors : null];
    if (build !== undefined || tester !== undefined) entry.push([build ?? null, tester ?? null]);
    head.push(entry);
    points += times.length;
    words += times.length * (anchors && anchorOf ? 2 : 1);
  }
  // Times first, so that the float64 section starts at offset 0 and stays aligned.
  const bytes = new ArrayBuffer(points * 8 + words * 4);
  const times = new Float64Array(bytes, 0, points);
  const ints = new Uint32Array(bytes, points * 8, words);
  let t = 0;
  let w = 0;
  for (const group of groups) {
    times.set(group.times, t);
    t += group.times.length;
    for (const list of group.anchors && group.anchorOf ? [group.cells, group.anchorOf] : [group.cells]) {
      // Ingest's groups are uint32 already (gateway/ingest.ts): copied in one go.
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
      w += list.length;
    }
  }
  return { head: JSON.stringify(head), body: Buffer.from(bytes) };
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

/** The groups of a row without copying its numbers out (decodeGroups copies them into arrays). */
export function decodeGroupViews(head: string, body: Buffer | null): KeyedPoints[] {
  if (body === null) return JSON.parse(head) as KeyedPoints[];
  const entries = JSON.parse(head) as Head;
  // A copy at offset 0, so the typed views are aligned whatever SQLite's buffer is.
  const bytes = new Uint8Array(body).buffer;
  let points = 0;
  for (const [, n] of entries) points += n;
  const times = new Float64Array(bytes, 0, points);
  const ints = new Uint32Array(bytes, points * 8);
  const groups: KeyedPoints[] = [];
  let t = 0;
  let w = 0;
  for (const [key, n, anchors, tags] of entries) {
    const group: KeyedPoints = { key, times: times.subarray(t, t + n), cells: ints.subarray(w, w + n) };
    t += n;
    w += n;
    if (anchors) {
      group.anchors = anchors;
      group.anchorOf = ints.subarray(w, w + n);
      w += n;
    }
    if (tags?.[0] != null) group.build = tags[0];
    if (tags?.[1] != null) group.tester = tags[1];
    groups.push(group);
  }
  return groups;
}
