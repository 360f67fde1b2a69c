import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { KeyedPoints } from "../pipeline";
import { BatchPacker, BatchUnpacker, type PackedBatches } from "./batch-transfer";
import type { StoredBatch } from "./event-store";
import { SharedSlabs } from "./shared-slabs";

/** Batch i: two page groups with points in shared memory (one anchored) and one whose points are plain arrays. */
function batchOf(i: number, slabs: SharedSlabs): StoredBatch {
  const n = 1 + (i % 40);
  const start = slabs.take(n * 8 + 3 * n * 4);
  const buffer = slabs.buffer;
  const times = new Float64Array(buffer, start, n);
  const cells = new Uint32Array(buffer, start + n * 8, n);
  const anchoredCells = new Uint32Array(buffer, start + n * 12, n);
  const anchorOf = new Uint32Array(buffer, start + n * 16, n);
  for (let p = 0; p < n; p++) {
    times[p] = 1_800_000_000_000 + i * 100 + p;
    cells[p] = (i * 31 + p) % 5000;
    anchoredCells[p] = p;
    anchorOf[p] = p % 2;
  }
  const page = `desktop\u0001https://a.test\u0001/p${i % 7}`;
  const groups: KeyedPoints[] = [
    { key: page, times, cells, tester: `tester-${i % 3}` },
    { key: `${page}\u0003`, times, cells: anchoredCells, anchors: [`#a${i}`, "#b"], anchorOf, build: "b1" },
    { key: `${page}\u0004`, times: [1, 2], cells: [i, i + 1] },
  ];
  return { client: `client-${i % 5}`, seq: i, groups };
}

/** A batch as plain data, to compare what was packed with what was unpacked whatever arrays hold its numbers. */
function plain(batch: StoredBatch): unknown {
  return {
    ...batch,
    groups: batch.groups.map((group) => ({
      ...group,
      times: Array.from(group.times),
      cells: Array.from(group.cells),
      ...(group.anchorOf && { anchorOf: Array.from(group.anchorOf) }),
    })),
  };
}

describe("batches crossing to the commit thread", () => {
  it("arrive whole through a real message port, across many slabs, even when unpacked long after later ones were packed", async () => {
    const slabs = new SharedSlabs(4096);
    // Small name tables and many batches: the packer starts its names again several times.
    const packer = new BatchPacker(64);
    const sent: StoredBatch[] = [];
    const messages: PackedBatches[] = [];
    for (let m = 0; m < 300; m++) {
      const group = Array.from({ length: 1 + (m % 16) }, (_, j) => batchOf(m * 16 + j, slabs));
      sent.push(...group);
      messages.push(packer.pack(group));
    }
    // Every message's numbers are a view of shared memory, and they span several slabs.
    expect(messages.every((m) => m.numbers.buffer instanceof SharedArrayBuffer)).toBe(true);
    expect(new Set(messages.map((m) => m.numbers.buffer)).size).toBeGreaterThan(1);

    const { port1, port2 } = new MessageChannel();
    const received: PackedBatches[] = [];
    const all = new Promise<void>((resolve) => {
      port2.on("message", (message: PackedBatches) => {
        received.push(message);
        if (received.length === messages.length) resolve();
      });
    });
    for (const message of messages) port1.postMessage(message);
    await all;
    port1.close();

    const unpacker = new BatchUnpacker();
    const got = received.flatMap((message) => unpacker.unpack(message));
    expect(got.map(plain)).toEqual(sent.map(plain));
  });
});

describe("SharedSlabs", () => {
  it("hands out aligned spans that never overlap, a span longer than a slab in a slab of its own", () => {
    const slabs = new SharedSlabs(1024);
    const taken: { buffer: SharedArrayBuffer; start: number; end: number }[] = [];
    for (const bytes of [1, 7, 8, 100, 1000, 24, 5001, 3, 1024, 1]) {
      const start = slabs.take(bytes);
      const buffer = slabs.buffer;
      expect(start % 8).toBe(0);
      expect(start + bytes).toBeLessThanOrEqual(buffer.byteLength);
      for (const other of taken) {
        if (other.buffer === buffer) expect(start >= other.end || start + bytes <= other.start).toBe(true);
      }
      taken.push({ buffer, start, end: start + bytes });
    }
    expect(taken.find((span) => span.end - span.start === 5001)?.buffer.byteLength).toBe(5008);
  });
});
