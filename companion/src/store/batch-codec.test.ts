import { join } from "node:path";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorKey, looseKey, pointCell, scrollKey } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { tempDataDir } from "../../../tests/support/temp-dir";
import type { KeyedPoints } from "../pipeline";
import { BodyArena, decodeGroups, decodeGroupViews, encodeGroups } from "./batch-codec";
import { BatchPacker, BatchUnpacker, type PackedBatches } from "./batch-transfer";
import { EventStore, type StoredBatch } from "./event-store";

const group: fc.Arbitrary<KeyedPoints> = fc
  .record({
    key: fc.string(),
    points: fc.array(
      fc.record({
        // Whole milliseconds within a minute (the compact layout in 16 bits, if the cells allow), within an hour
        // (in 32), any in range, or fractional (the wide one).
        t: fc.oneof(
          fc.integer({ min: 1.8e12, max: 1.8e12 + 60_000 }),
          fc.integer({ min: 1.8e12, max: 1.8e12 + 3_600_000 }),
          fc.integer({ min: 0, max: 8.64e15 }),
          fc.double({ min: 1.8e12, max: 1.8e12 + 1000, noNaN: true }),
        ),
        cell: fc.oneof(fc.integer({ min: 0, max: 2 ** 16 }), fc.integer({ min: 0, max: 2 ** 26 })),
        anchor: fc.nat(255),
      }),
      { maxLength: 40 },
    ),
    anchors: fc.option(fc.array(fc.string(), { minLength: 256, maxLength: 256 }), { nil: undefined }),
    build: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    tester: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
  })
  .map(({ key, points, anchors, build, tester }) => ({
    key,
    times: points.map((p) => p.t),
    cells: points.map((p) => p.cell),
    ...(anchors ? { anchors, anchorOf: points.map((p) => p.anchor) } : {}),
    ...(build !== undefined ? { build } : {}),
    ...(tester !== undefined ? { tester } : {}),
  }));

describe("stored batch groups", () => {
  it("read back exactly as written, anchored or not, tagged or not, times to the millisecond", () => {
    // A group may repeat the previous one's times, as a page's loose points repeat its points'.
    const batch = fc.array(fc.tuple(group, fc.boolean()), { maxLength: 6 }).map((pairs) =>
      pairs.map(([g, repeat], i) => {
        const previous = pairs[i - 1]?.[0];
        if (!repeat || !previous || previous.times.length !== g.times.length) return g;
        return { ...g, times: Array.from(previous.times) };
      }),
    );
    fc.assert(
      fc.property(batch, (groups) => {
        const { head, body, maxT } = encodeGroups(groups);
        expect(maxT).toBe(Math.max(0, ...groups.flatMap((g) => Array.from(g.times))));
        expect(decodeGroups(head, body)).toEqual(groups);
        // The views (the commit thread counts history from them) hold the same numbers.
        const views = decodeGroupViews(head, body).map(({ times, cells, anchorOf, ...rest }) => ({
          ...rest,
          times: Array.from(times),
          cells: Array.from(cells),
          ...(anchorOf && { anchorOf: Array.from(anchorOf) }),
        }));
        expect(views).toEqual(groups);
      }),
    );
  });

  it("read back exactly as written when many batches share one arena, across its growth and a reset", () => {
    fc.assert(
      fc.property(fc.array(fc.array(group, { maxLength: 4 }), { maxLength: 12 }), (batches) => {
        // Small, so that it grows while earlier bodies are still to be read.
        const arena = new BodyArena(64);
        arena.reset();
        const encoded = batches.map((groups) => encodeGroups(groups, arena));
        encoded.forEach(({ head, body }, i) => {
          expect(body.byteLength).toBe(encodeGroups(batches[i] as KeyedPoints[]).body.byteLength);
          expect(decodeGroups(head, body)).toEqual(batches[i]);
        });
      }),
    );
  });

  it("take uint16 or uint32 numbers alone when the times are whole milliseconds close together, and repeated times once", () => {
    const times = Array.from({ length: 25 }, (_, i) => 1.8e12 + i * 40);
    const cells = times.map((_, i) => i * 2);
    const page = makeKey("desktop", "https://a.test", "/p");
    const groups: KeyedPoints[] = [
      { key: page, times, cells },
      { key: scrollKey(page), times: [...times], cells: cells.map((c) => c * 2) },
    ];
    // Times once, and two groups' cells: 75 uint16.
    expect(encodeGroups(groups).body.byteLength).toBe(75 * 2);
    // One cell past 16 bits, or points a minute and more apart: 75 uint32.
    const far = [groups[0], { ...groups[1], cells: [2 ** 16, ...cells.slice(1)] }] as KeyedPoints[];
    expect(encodeGroups(far).body.byteLength).toBe(75 * 4);
    const apart = groups.map((g) => ({ ...g, times: [...times.slice(0, -1), 1.8e12 + 65_536] }));
    expect(encodeGroups(apart).body.byteLength).toBe(75 * 4);
    // A fractional time needs float64 for every time: 50 of them, and 50 cells.
    const fractional = [{ ...groups[0], times: [...times.slice(1), 1.8e12 + 0.5] } as KeyedPoints];
    expect(encodeGroups(fractional).body.byteLength).toBe(25 * 8 + 25 * 4);
  });

  it("refuses a cell that is no unsigned 32-bit integer rather than storing another number", () => {
    expect(() => encodeGroups([{ key: "k", times: [1], cells: [-1] }])).toThrow(/not a cell/);
    expect(() => encodeGroups([{ key: "k", times: [1, 2], cells: [1] }])).toThrow(/differ in length/);
  });

  it("are read from a store written before batches had a binary body, and new batches go beside them", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("codec");
    const page = makeKey("desktop", "https://a.test", "/p");
    const old: KeyedPoints[] = [
      { key: page, times: [now - 1000], cells: [7] },
      { key: looseKey(page), times: [now - 1000], cells: [14] },
    ];
    // The table as earlier versions created it, with one batch stored and not yet folded.
    const db = new Database(join(dataDir, "heatlens.db"));
    db.exec(`CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, max_t INTEGER NOT NULL, groups TEXT NOT NULL);
      INSERT INTO batches (max_t, groups) VALUES (${now - 1000}, '${JSON.stringify(old)}');`);
    db.close();

    const store = new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now });
    const fresh: KeyedPoints[] = [
      { key: page, times: [now], cells: [pointCell(9, true, false)] },
      { key: anchorKey(page, ""), times: [now], cells: [3], anchors: ["#buy"], anchorOf: [0] },
    ];
    await store.append({ client: "c", seq: 0, groups: fresh });
    // The old batch reads as one stored with point cells (point-cells.ts): its point had no anchor.
    expect(store.recent(now - 60_000)).toEqual([
      [{ key: page, times: [now - 1000], cells: [pointCell(7, false, false)] }],
      fresh,
    ]);
    store.maintain(true);
    // The old batch was folded into the history at start, the new one at this fold.
    expect(store.range(page, now - 60_000, now + 60_000)).toEqual(
      new Map([
        [pointCell(7, false, false), 1],
        [pointCell(9, true, false), 1],
      ]),
    );
    store.close();
  });
});

describe("batches sent to the commit thread", () => {
  /** `groups` with their points copied into views of one shared slab, as ingest writes them. */
  function shared(groups: KeyedPoints[]): KeyedPoints[] {
    const bytes = groups.reduce(
      (n, g) => n + g.times.length * 8 + g.cells.length * 4 + (g.anchorOf?.length ?? 0) * 4 + 24,
      8,
    );
    const slab = new SharedArrayBuffer(bytes);
    let at = 8;
    const place = <T extends Float64Array | Uint32Array>(
      Type: new (b: SharedArrayBuffer, o: number, n: number) => T,
      values: ArrayLike<number>,
    ): T => {
      at = (at + 7) & ~7;
      const view = new Type(slab, at, values.length);
      view.set(Array.from(values));
      at += view.byteLength;
      return view;
    };
    return groups.map((g) => ({
      ...g,
      times: place(Float64Array, g.times),
      cells: place(Uint32Array, g.cells),
      ...(g.anchorOf && { anchorOf: place(Uint32Array, g.anchorOf) }),
    }));
  }

  const plain = (groups: KeyedPoints[]) =>
    groups.map(({ times, cells, anchorOf, ...rest }) => ({
      ...rest,
      times: Array.from(times),
      cells: Array.from(cells),
      ...(anchorOf && { anchorOf: Array.from(anchorOf) }),
    }));

  it("arrive whole through a real message port, points in shared memory or in arrays, and share that memory", () => {
    const { port1, port2 } = new MessageChannel();
    const batch = fc.record({
      client: fc.string(),
      seq: fc.nat(),
      groups: fc.array(group, { maxLength: 5 }),
      inSlab: fc.boolean(),
      signals: fc.option(
        fc.record({
          list: fc.array(
            fc.record({
              key: fc.string(),
              selector: fc.string(),
              kind: fc.constantFrom(0, 1, 2),
              client: fc.string(),
              t: fc.nat(),
            }),
            { maxLength: 3 },
          ),
          max: fc.nat(),
        }),
        { nil: undefined },
      ),
      controls: fc.option(
        fc.array(fc.record({ key: fc.string(), selectors: fc.array(fc.string()), cut: fc.nat(), at: fc.nat() }), {
          maxLength: 2,
        }),
        { nil: undefined },
      ),
    });
    // A short table of names, so that runs start it again, mid-run, at both ends.
    fc.assert(
      fc.property(
        fc.array(fc.array(batch, { maxLength: 4 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 600 }),
        (messages, maxNames) => {
          const packer = new BatchPacker(maxNames);
          const unpacker = new BatchUnpacker();
          for (const batches of messages) {
            const stored: StoredBatch[] = batches.map(({ inSlab, groups, signals, controls, ...rest }) => ({
              ...rest,
              groups: inSlab ? shared(groups) : groups,
              ...(signals && { signals }),
              ...(controls && { controls }),
            }));
            port1.postMessage(packer.pack(stored));
            const received = unpacker.unpack(receiveMessageOnPort(port2)?.message as PackedBatches);
            expect(received.map((b) => ({ ...b, groups: plain(b.groups) }))).toEqual(
              stored.map((b) => ({ ...b, groups: plain(b.groups) })),
            );
            // A shared group's points are the same memory on both sides, not a copy.
            received.forEach((b, i) => {
              const sent = stored[i]?.groups[0];
              const got = b.groups[0];
              if (!batches[i]?.inSlab || !sent || !got || sent.times.length === 0) return;
              (sent.times as Float64Array)[0] = -1;
              expect(got.times[0]).toBe(-1);
            });
          }
        },
      ),
    );
    port1.close();
  });
});
