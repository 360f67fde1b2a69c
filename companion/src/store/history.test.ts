import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorKey, looseKey, scrollKey, splitSideKey } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { taggedKey } from "../../../protocol/tags";
import type { KeyedPoints } from "../pipeline";
import { type ByMinute, CellCounts, PendingHistory, pointsOf } from "./history";

const MINUTE = 60_000;

describe("CellCounts", () => {
  it("counts every cell as a Map would, through growth, whatever the cells' spread", () => {
    const cell = fc.oneof(
      fc.nat(300),
      fc.nat(2 ** 32 - 1),
      fc.nat(40).map((n) => n * 1024),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, fc.integer({ min: 1, max: 5 })), { maxLength: 800 }), (adds) => {
        const counts = new CellCounts();
        const model = new Map<number, number>();
        for (const [c, n] of adds) {
          counts.add(c, n);
          model.set(c, (model.get(c) ?? 0) + n);
        }
        const seen = new Map<number, number>();
        counts.forEach((c, n) => {
          expect(seen.has(c)).toBe(false);
          seen.set(c, n);
        });
        expect(seen).toEqual(model);
      }),
      { numRuns: 100 },
    );
  });
});

describe("PendingHistory", () => {
  const page = fc.constantFrom(
    makeKey("lg", "https://shop.test", "/"),
    makeKey("sm", "https://shop.test", "/cart"),
    makeKey("lg", "http://other.test:8080", "/"),
  );
  const label = fc.option(fc.constantFrom("2026.12.01", "b2", "ana"), { nil: undefined });
  const point = fc.record({
    t: fc.integer({ min: 1.8e12, max: 1.8e12 + 3 * MINUTE }),
    cell: fc.nat(40),
    anchor: fc.nat(2),
  });
  const group = fc.record({
    page,
    side: fc.constantFrom("page", "loose", "scroll", "anchored"),
    build: label,
    tester: label,
    points: fc.array(point, { maxLength: 12 }),
  });

  /** Each point under each key it is written under, counted one by one: the history's meaning, without its shortcuts. */
  function model(groups: KeyedPoints[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { key, times, cells, anchors, anchorOf, build, tester } of groups) {
      const pageKey = splitSideKey(key)?.pageKey ?? key;
      const pages = [pageKey];
      if (build !== undefined) pages.push(taggedKey(pageKey, "build", build));
      if (tester !== undefined) pages.push(taggedKey(pageKey, "tester", tester));
      for (const p of pages) {
        for (let i = 0; i < times.length; i++) {
          const written =
            anchors && anchorOf
              ? anchorKey(p, anchors[anchorOf[i] as number] as string)
              : p + key.slice(pageKey.length);
          const at = `${written}|${Math.floor((times[i] as number) / MINUTE)}|${cells[i]}`;
          counts.set(at, (counts.get(at) ?? 0) + 1);
        }
      }
    }
    return counts;
  }

  function flat(byKey: Map<string, ByMinute>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, minutes] of byKey) {
      for (const [minute, cells] of minutes) {
        cells.forEach((cell, n) => {
          counts.set(`${key}|${minute}|${cell}`, n);
        });
      }
    }
    return counts;
  }

  it("writes each point under its key and each of its tagged keys, and leaves what it gathered as it was", () => {
    fc.assert(
      fc.property(fc.array(fc.array(group, { maxLength: 6 }), { maxLength: 4 }), (batches) => {
        const pending = new PendingHistory();
        const all: KeyedPoints[] = [];
        for (const batch of batches) {
          const groups = batch.map(({ page: p, side, build, tester, points }): KeyedPoints => {
            const key =
              side === "page"
                ? p
                : side === "loose"
                  ? looseKey(p)
                  : side === "scroll"
                    ? scrollKey(p)
                    : anchorKey(p, "");
            const g: KeyedPoints = { key, times: points.map((x) => x.t), cells: points.map((x) => x.cell) };
            if (side === "anchored") {
              g.anchors = ["#buy", "nav > a", "#total"];
              g.anchorOf = points.map((x) => x.anchor);
            }
            if (build !== undefined) g.build = build;
            if (tester !== undefined) g.tester = tester;
            return g;
          });
          pending.add(groups);
          all.push(...groups);
          // Written (or tried) between batches: what is written is all gathered so far, each time.
          expect(flat(pending.byKey())).toEqual(model(all));
        }
        expect(pending.points).toBe(all.reduce((n, g) => n + pointsOf(g), 0));
      }),
      { numRuns: 200 },
    );
  });
});
