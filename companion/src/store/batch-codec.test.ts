import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorKey, looseKey } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { tempDataDir } from "../../../tests/support/temp-dir";
import type { KeyedPoints } from "../pipeline";
import { decodeGroups, decodeGroupViews, encodeGroups } from "./batch-codec";
import { EventStore } from "./event-store";

const group: fc.Arbitrary<KeyedPoints> = fc
  .record({
    key: fc.string(),
    points: fc.array(
      fc.record({
        t: fc.integer({ min: 0, max: 8.64e15 }),
        cell: fc.integer({ min: 0, max: 2 ** 26 }),
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
    fc.assert(
      fc.property(fc.array(group, { maxLength: 6 }), (groups) => {
        const { head, body } = encodeGroups(groups);
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
      { key: page, times: [now], cells: [9] },
      { key: anchorKey(page, ""), times: [now], cells: [3], anchors: ["#buy"], anchorOf: [0] },
    ];
    await store.append({ client: "c", seq: 0, groups: fresh });
    expect(store.recent(now - 60_000)).toEqual([old, fresh]);
    store.maintain(true);
    // The old batch was folded into the history at start, the new one at this fold.
    expect(store.range(page, now - 60_000, now + 60_000)).toEqual(
      new Map([
        [7, 1],
        [9, 1],
      ]),
    );
    store.close();
  });
});
