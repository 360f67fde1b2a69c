import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorKey, pointCell, ScrollMark, scrollCell, scrollKey } from "../../../protocol/anchor";
import { bandsFromBreakpoints, packCell } from "../../../protocol/grid";
import { makeKey } from "../../../protocol/page-key";
import type { Grid } from "../../../protocol/wire";
import { InProcessBus } from "../bus/bus";
import type { KeyedPoints, Topics } from "../pipeline";
import { WindowStage } from "../window/window-stage";
import { blocksOf, gridSubject, PaneSums, partitionOf, pointsOf } from "./wire";

const HOP = 250;
const WINDOWS = [1000, 2500];
const START = 1_000_000;
const PAGES = [
  makeKey("w1", "http://a.test", "/"),
  makeKey("w1", "http://a.test", "/cart"),
  makeKey("w2", "http://b.test", "/"),
];
const SELECTORS = ["#a", "#b", "[data-testid=c]"];

/** A window stage and the bus that feeds it. */
function stage(): { windows: WindowStage; feed(groups: KeyedPoints[]): void } {
  const bus = new InProcessBus<Topics>();
  const windows = new WindowStage(bus, {
    hopMs: HOP,
    windowsMs: WINDOWS,
    cols: 10,
    bands: bandsFromBreakpoints([1000]),
    maxAnchors: 200,
    livePushMs: 100,
    maxSignals: 10,
    now: START,
  });
  return { windows, feed: (groups) => bus.publish("points", { client: "", groups }) };
}

/** A grid's counts in one order, whatever order they were added in. */
function canonical(grid: Grid): unknown {
  const { start: _s, end: _e, ...rest } = grid;
  const sorted = (flat: number[], size: number) => {
    const list: string[] = [];
    for (let i = 0; i < flat.length; i += size) list.push(flat.slice(i, i + size).join(","));
    return list.sort();
  };
  return {
    ...rest,
    cells: sorted(grid.cells, 3),
    fixed: sorted(grid.fixed, 3),
    anchors: grid.anchors.map((a) => ({ ...a, cells: sorted(a.cells, 3) })).sort((a, b) => a.s.localeCompare(b.s)),
    loose: { cells: sorted(grid.loose.cells, 4), fixed: sorted(grid.loose.fixed, 4) },
  };
}

/**
 * A batch's groups as ingest makes them (page points, anchored points in one
 * group per page, loose points, scroll marks), at times relative to now: up
 * to the longest window back, and a little ahead (a clock still ahead).
 */
const batchArbitrary = fc
  .array(
    fc.record({
      page: fc.constantFrom(...PAGES),
      // Up to the longest window back, and a little ahead (a clock still ahead).
      times: fc.array(fc.integer({ min: -3000, max: 300 }), { minLength: 1, maxLength: 8 }),
      col: fc.integer({ min: 0, max: 9 }),
      row: fc.integer({ min: 0, max: 30 }),
      anchor: fc.integer({ min: -1, max: SELECTORS.length - 1 }),
      scroll: fc.boolean(),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((pages) => (now: number) => {
    const groups: KeyedPoints[] = [];
    for (const { page, times: offsets, col, row, anchor, scroll } of pages) {
      const times = offsets.map((offset) => now + offset);
      const cell = packCell(col, row, "doc", 10);
      // Point cells: the loose heat of a page without anchors is read from them, a click now and then.
      groups.push({ key: page, times, cells: times.map((_, i) => pointCell(cell, anchor !== -1, i % 3 === 1)) });
      if (anchor !== -1) {
        groups.push({
          key: anchorKey(page, ""),
          times,
          cells: times.map((_, i) => (i * 7) % 128),
          anchors: SELECTORS,
          anchorOf: times.map((_, i) => (anchor + i) % SELECTORS.length),
        });
      }
      if (scroll)
        groups.push({ key: scrollKey(page), times: [times[0] as number], cells: [scrollCell(ScrollMark.view, 700)] });
    }
    return groups;
  });

describe("pane deltas", () => {
  it("give a window stage the same grid as the points they sum, one batch or many at once, at every hop, whatever the partitions", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            hops: fc.integer({ min: 0, max: 3 }),
            batches: fc.array(batchArbitrary, { minLength: 1, maxLength: 4 }),
            summed: fc.boolean(),
          }),
          { minLength: 4, maxLength: 14 },
        ),
        fc.integer({ min: 1, max: 7 }),
        (steps, partitions) => {
          const direct = stage();
          const merged = stage();
          let now = START;
          let seq = 0;
          for (const { hops, batches, summed } of steps) {
            now += hops * HOP;
            const made = batches.map((batch) => batch(now));
            for (const groups of made) direct.feed(groups);
            if (summed) {
              // First transmissions: every batch of the round summed per key, pane and cell.
              const sums = new PaneSums(HOP);
              for (const groups of made) for (const group of groups) sums.add(group);
              merged.feed(sums.groups().map(pointsOf));
            } else {
              for (const groups of made) {
                for (const block of blocksOf("client", ++seq, groups, [], HOP, partitions).values()) {
                  merged.feed(block.g.map(pointsOf));
                }
              }
            }
            direct.windows.tick(now);
            merged.windows.tick(now);
            for (const key of PAGES) {
              for (let w = 0; w < WINDOWS.length; w++) {
                expect(canonical(merged.windows.snapshot(key, w))).toEqual(canonical(direct.windows.snapshot(key, w)));
              }
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keep a page and its side keys in one partition, and name a key's grid subject with no character a subject forbids", () => {
    for (const page of PAGES) {
      const p = partitionOf(page, 16);
      expect([scrollKey(page), anchorKey(page, ""), anchorKey(page, "#a")].map((k) => partitionOf(k, 16))).toEqual([
        p,
        p,
        p,
      ]);
      expect(gridSubject(page)).toMatch(/^heatlens\.grid\.[A-Za-z0-9_-]{32}$/);
    }
    expect(gridSubject(PAGES[0] as string)).not.toBe(gridSubject(PAGES[1] as string));
  });

  it("sum a batch's points per key, pane and cell, and keep its id and signals", () => {
    const page = PAGES[0] as string;
    const blocks = blocksOf(
      "c1",
      7,
      [{ key: page, times: [1000, 1100, 1300, 1300], cells: [5, 5, 5, 6] }],
      [{ key: page, selector: "#a", kind: 0, client: "c1", t: 1200 }],
      HOP,
      1,
    );
    expect([...blocks.values()]).toEqual([
      {
        c: "c1",
        s: 7,
        g: [
          { k: page, p: 1000, n: [5, 2] },
          { k: page, p: 1250, n: [5, 1, 6, 1] },
        ],
        sig: [{ key: page, selector: "#a", kind: 0, client: "c1", t: 1200 }],
      },
    ]);
    expect(pointsOf({ k: page, p: 1250, n: [5, 1, 6, 2] })).toEqual({
      key: page,
      times: [1250, 1250, 1250],
      cells: [5, 6, 6],
    });
  });
});
