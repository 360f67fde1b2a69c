import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { anchorKey, looseKey, pointCell, sideCell } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { taggedKey } from "../../../protocol/tags";
import { tempDataDir } from "../../../tests/support/temp-dir";
import type { KeyedPoints } from "../pipeline";
import { pageCounts } from "../window/side-heat";
import { encodeGroups } from "./batch-codec";
import { EventStore } from "./event-store";
import { MINUTE } from "./history";
import { toPointCells } from "./point-cells";

const now = 1_800_000_000_000;
const page = makeKey("desktop", "https://a.test", "/p");
const options = (dataDir: string) => ({
  dataDir,
  maxStoreBytes: 1e9,
  retentionDays: 30,
  liveMs: 300_000,
  clock: () => now,
});

describe("a store made before point cells", () => {
  it("has its history moved to point cells once, and its batches read into them, with the same grid and loose heat", () => {
    const dataDir = tempDataDir("point-cells");
    new EventStore(options(dataDir)).close();
    // The rows of the earlier form: every point at its grid cell under the page key, those without an anchor
    // once more under the loose key (cell × 2 + click). Cell 7: 3 anchored points, a loose move, a loose click.
    const db = new Database(join(dataDir, "heatlens.db"));
    db.prepare("DELETE FROM meta WHERE name = 'point_cells_from'").run();
    const minute = Math.floor((now - 5 * MINUTE) / MINUTE);
    const tester = taggedKey(page, "tester", "ann");
    const addMinute = db.prepare("INSERT INTO minutes VALUES (?, ?, ?, ?)");
    const addHour = db.prepare("INSERT INTO hours VALUES (?, ?, ?, ?)");
    for (const key of [page, tester]) {
      for (const [cell, n] of [
        [7, 5],
        [9, 2],
      ] as const) {
        addMinute.run(key, minute, cell, n);
        addHour.run(key, Math.floor(minute / 60), cell, n);
      }
      for (const [cell, n] of [
        [sideCell(7, false), 1],
        [sideCell(7, true), 1],
        [sideCell(9, false), 2],
      ] as const) {
        addMinute.run(looseKey(key), minute, cell, n);
        addHour.run(looseKey(key), Math.floor(minute / 60), cell, n);
      }
      addMinute.run(anchorKey(key, "#buy"), minute, sideCell(0, true), 3);
    }
    // A batch stored then and not yet folded: two loose points (one a click) and one anchored.
    const t = now - 1000;
    const old: KeyedPoints[] = [
      { key: page, times: [t, t, t + 5], cells: [7, 7, 9] },
      { key: anchorKey(page, ""), times: [t], cells: [sideCell(0, false)], anchors: ["#buy"], anchorOf: [0] },
      { key: looseKey(page), times: [t, t + 5], cells: [sideCell(7, true), sideCell(9, false)] },
    ];
    const { head, body } = encodeGroups(old);
    db.prepare("INSERT INTO batches (max_t, groups, body, client, seq) VALUES (?, ?, ?, 'c', 0)").run(
      t + 5,
      head,
      body,
    );
    db.close();

    const store = new EventStore(options(dataDir));
    // Greedy in order: the first point at cell 7 is the loose click, the second the anchored one (the same counts).
    expect(store.recent(now - 60_000)).toEqual([
      [
        {
          key: page,
          times: [t, t, t + 5],
          cells: [pointCell(7, false, true), pointCell(7, true, false), pointCell(9, false, false)],
        },
        old[1],
      ],
    ]);
    const read = (key: string, from: number) =>
      pageCounts(store.range(key, from, now + 1), store.sideRange(key, from, now + 1));
    // The moved minutes, with the old batch folded at start.
    const hourAgo = now - 30 * MINUTE;
    const recent = read(page, hourAgo);
    expect(store.range(page, hourAgo, now + 1)).toEqual(
      new Map([
        [pointCell(7, true, false), 4],
        [pointCell(7, false, false), 1],
        [pointCell(7, false, true), 2],
        [pointCell(9, false, false), 3],
      ]),
    );
    expect(recent.cells).toEqual(
      new Map([
        [7, 7],
        [9, 3],
      ]),
    );
    expect(recent.side.loose).toEqual(
      new Map([
        [sideCell(7, false), 1],
        [sideCell(7, true), 2],
        [sideCell(9, false), 3],
      ]),
    );
    expect([...store.sideRange(page, hourAgo, now + 1).keys()]).toEqual([anchorKey(page, "#buy")]);
    // The tester's tagged page moved the same way (it took no point of the batch: that had no tester).
    expect(read(tester, hourAgo).side.loose).toEqual(
      new Map([
        [sideCell(7, false), 1],
        [sideCell(7, true), 1],
        [sideCell(9, false), 2],
      ]),
    );
    // Whole hours read the hour table: moved too.
    const hours = read(tester, Math.floor(minute / 60) * 60 * MINUTE);
    expect(hours.cells.get(7)).toBe(5);
    expect(hours.side.loose.get(sideCell(9, false))).toBe(2);
    store.close();

    // Opened again, nothing moves twice.
    const again = new EventStore(options(dataDir));
    expect(again.range(tester, hourAgo, now + 1)).toEqual(
      new Map([
        [pointCell(7, true, false), 3],
        [pointCell(7, false, false), 1],
        [pointCell(7, false, true), 1],
        [pointCell(9, false, false), 2],
      ]),
    );
    again.close();
  });

  it("reads each page group of a batch with the loose group of its build, a page without one as anchored", () => {
    const other = makeKey("desktop", "https://a.test", "/q");
    const groups: KeyedPoints[] = [
      { key: page, times: [1, 2], cells: [4, 6], build: "b1" },
      { key: page, times: [1, 2], cells: [4, 6], build: "b2" },
      { key: other, times: [3], cells: [8] },
      { key: looseKey(page), times: [2], cells: [sideCell(6, true)], build: "b2" },
      { key: looseKey(page), times: [1], cells: [sideCell(4, false)], build: "b1" },
    ];
    expect(toPointCells(groups)).toEqual([
      { key: page, times: [1, 2], cells: [pointCell(4, false, false), pointCell(6, true, false)], build: "b1" },
      { key: page, times: [1, 2], cells: [pointCell(4, true, false), pointCell(6, false, true)], build: "b2" },
      { key: other, times: [3], cells: [pointCell(8, true, false)] },
    ]);
  });
});
