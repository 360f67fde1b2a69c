/**
 * How batches cross to the commit thread. A message carries numbers, not
 * objects: the structured clone of a batch's objects and strings cost the
 * main thread more than anything else it did to send it. A group's points
 * in shared memory (gateway/ingest.ts) go as their place in it; every string
 * (client, key, build label, tester, selector) goes once as a name, and as
 * its number after that, the two ends numbering names in the same order. What
 * is not numbers (signals, controls inventories, points not in shared memory)
 * goes as it is, beside them.
 */
import type { KeyedPoints } from "../pipeline";
import type { StoredBatch } from "./event-store";
import { SharedSlabs } from "./shared-slabs";

/** Names a packer numbers before it starts again (and the receiver with it): neither table outgrows this. */
export const MAX_NAMES = 65_536;

/** What a batch brings besides its points, or a group's points not in shared memory. */
type Extra = Pick<StoredBatch, "signals" | "controls"> | Pick<KeyedPoints, "times" | "cells" | "anchorOf">;

/**
 * Batches packed for one message. `numbers`, per batch: client, seq, its
 * number of groups, its extra (-1: none); then per group: key, number of
 * points, slab (-1: its points are an extra), times, cells, anchor indices
 * (-1: none), build (-1: none), tester (-1: none), number of selectors (-1: no
 * anchors), then each selector. Offsets are in bytes; names are numbers.
 * `numbers` is itself a view of shared memory (shared-slabs.ts), read by the
 * receiver as it unpacks, never written again.
 */
export interface PackedBatches {
  /** Names numbered from here on, in order. */
  names: string[];
  /** Whether the receiver forgets its names before taking these (the packer started again). */
  fresh: boolean;
  slabs: SharedArrayBuffer[];
  numbers: Float64Array;
  extras: Extra[];
}

/** The sending end: numbers names in the order it first sends them. */
export class BatchPacker {
  private readonly numbered = new Map<string, number>();
  private names: string[] = [];
  private fresh = false;
  /** Where each message's numbers are written: posted as a view, they reach the thread uncopied. */
  private readonly slabs = new SharedSlabs(256 * 1024);

  constructor(private readonly maxNames = MAX_NAMES) {}

  pack(batches: readonly StoredBatch[]): PackedBatches {
    let length = 0;
    for (const { groups } of batches) {
      length += 4 + 9 * groups.length;
      for (const group of groups) length += group.anchors?.length ?? 0;
    }
    // `length` bounds the names this message can bring: started again first if they might not fit.
    if (this.numbered.size + length > this.maxNames) {
      this.numbered.clear();
      this.names = [];
      this.fresh = true;
    }
    const start = this.slabs.take(length * 8);
    const numbers = new Float64Array(this.slabs.buffer, start, length);
    const slabs: SharedArrayBuffer[] = [];
    const extras: Extra[] = [];
    let at = 0;
    for (const { client, seq, groups, signals, controls } of batches) {
      numbers[at++] = this.name(client);
      numbers[at++] = seq;
      numbers[at++] = groups.length;
      numbers[at++] = signals || controls ? extras.push({ signals, controls }) - 1 : -1;
      for (const { key, times, cells, anchors, anchorOf, build, tester } of groups) {
        numbers[at++] = this.name(key);
        numbers[at++] = times.length;
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
          numbers[at++] = slab;
          numbers[at++] = (times as Float64Array).byteOffset;
          numbers[at++] = (cells as Uint32Array).byteOffset;
          numbers[at++] = anchorOf === undefined ? -1 : (anchorOf as Uint32Array).byteOffset;
        } else {
          numbers[at++] = -1;
          numbers[at++] = extras.push({ times, cells, anchorOf }) - 1;
          numbers[at++] = -1;
          numbers[at++] = -1;
        }
        numbers[at++] = build === undefined ? -1 : this.name(build);
        numbers[at++] = tester === undefined ? -1 : this.name(tester);
        numbers[at++] = anchors ? anchors.length : -1;
        for (const selector of anchors ?? []) numbers[at++] = this.name(selector);
      }
    }
    const packed: PackedBatches = { names: this.names, fresh: this.fresh, slabs, numbers, extras };
    this.names = [];
    this.fresh = false;
    return packed;
  }

  private name(text: string): number {
    let number = this.numbered.get(text);
    if (number === undefined) {
      number = this.numbered.size;
      this.numbered.set(text, number);
      this.names.push(text);
    }
    return number;
  }
}

/** The receiving end: keeps the names it was sent, numbered in order. */
export class BatchUnpacker {
  private names: string[] = [];

  unpack({ names, fresh, slabs, numbers, extras }: PackedBatches): StoredBatch[] {
    if (fresh) this.names = [];
    for (const name of names) this.names.push(name);
    const named = this.names;
    const name = (number: number) => named[number] as string;
    const batches: StoredBatch[] = [];
    let at = 0;
    while (at < numbers.length) {
      const client = name(numbers[at++] as number);
      const seq = numbers[at++] as number;
      const count = numbers[at++] as number;
      const extra = numbers[at++] as number;
      const groups: KeyedPoints[] = [];
      for (let g = 0; g < count; g++) {
        const key = name(numbers[at++] as number);
        const n = numbers[at++] as number;
        const slab = slabs[numbers[at++] as number];
        const times = numbers[at++] as number;
        const cells = numbers[at++] as number;
        const anchorOf = numbers[at++] as number;
        let group: KeyedPoints;
        if (slab) {
          group = { key, times: new Float64Array(slab, times, n), cells: new Uint32Array(slab, cells, n) };
          if (anchorOf !== -1) group.anchorOf = new Uint32Array(slab, anchorOf, n);
        } else {
          const points = extras[times] as Pick<KeyedPoints, "times" | "cells" | "anchorOf">;
          group = { key, times: points.times, cells: points.cells };
          if (points.anchorOf !== undefined) group.anchorOf = points.anchorOf;
        }
        const build = numbers[at++] as number;
        const tester = numbers[at++] as number;
        const selectors = numbers[at++] as number;
        if (selectors !== -1) {
          const anchors: string[] = [];
          for (let s = 0; s < selectors; s++) anchors.push(name(numbers[at++] as number));
          group.anchors = anchors;
        }
        if (build !== -1) group.build = name(build);
        if (tester !== -1) group.tester = name(tester);
        groups.push(group);
      }
      const batch: StoredBatch = { client, seq, groups };
      if (extra !== -1) {
        const { signals, controls } = extras[extra] as Pick<StoredBatch, "signals" | "controls">;
        if (signals) batch.signals = signals;
        if (controls) batch.controls = controls;
      }
      batches.push(batch);
    }
    return batches;
  }
}
