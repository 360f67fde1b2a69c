import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sideCell } from "../../../protocol/anchor";
import { colOf, columnChoices, packCell, rowOf } from "../../../protocol/grid";
import type { Grid } from "../../../protocol/wire";
import { regrid } from "./regrid";
import { emptySideCounts, sideFields } from "./side-heat";

interface Point {
  x: number;
  y: number;
  fixed: boolean;
  /** Over no element worth anchoring: the point is also loose. */
  loose?: boolean;
  click?: boolean;
}

/** The grid of `points` binned straight at `cols` columns, as the gateway bins them. */
function binned(points: Point[], width: number, cols: number): Grid {
  const counts = new Map<string, number>();
  const side = emptySideCounts();
  for (const { x, y, fixed, loose, click } of points) {
    const id = `${fixed ? "f" : "d"},${colOf(x, width, cols)},${rowOf(y, width, cols)}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
    if (!loose) continue;
    const cell = sideCell(
      packCell(colOf(x, width, cols), rowOf(y, width, cols), fixed ? "fixed" : "doc", cols),
      !!click,
    );
    side.loose.set(cell, (side.loose.get(cell) ?? 0) + 1);
  }
  const cells: number[] = [];
  const fixedCells: number[] = [];
  let rows = 0;
  for (const [id, count] of counts) {
    const [layer, col, row] = id.split(",");
    if (layer === "f") fixedCells.push(Number(col), Number(row), count);
    else {
      cells.push(Number(col), Number(row), count);
      rows = Math.max(rows, Number(row) + 1);
    }
  }
  const max = Math.max(0, ...counts.values());
  return {
    type: "grid",
    origin: "http://shop.test",
    path: "/p",
    band: { id: "desktop", min: 1024, max: 1439 },
    windowMs: 10_000,
    cols,
    rows,
    tile: { size: 1 / cols, unit: "layout-width" },
    start: 0,
    end: 10_000,
    total: points.length,
    max,
    cells,
    fixed: fixedCells,
    ...sideFields(side, cols, 200, 0),
    signals: [],
  };
}

function sortedTriples(triples: number[], size = 3): string[] {
  const out: string[] = [];
  for (let i = 0; i < triples.length; i += size) out.push(triples.slice(i, i + size).join(","));
  return out.sort();
}

describe("regrid", () => {
  it("equals binning the same points at fewer columns, for every divisor, loose points included", () => {
    const point = fc.record({
      x: fc.integer({ min: 0, max: 3000 }),
      y: fc.integer({ min: 0, max: 40_000 }),
      fixed: fc.boolean(),
      loose: fc.boolean(),
      click: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 200 }),
        fc.integer({ min: 320, max: 2560 }),
        fc.constantFrom(12, 50, 60, 64),
        fc.nat(),
        (points, width, base, pick) => {
          const choices = columnChoices(base);
          const cols = choices[pick % choices.length] as number;
          const coarse = regrid(binned(points, width, base), cols);
          const direct = binned(points, width, cols);
          expect(sortedTriples(coarse.cells)).toEqual(sortedTriples(direct.cells));
          expect(sortedTriples(coarse.fixed)).toEqual(sortedTriples(direct.fixed));
          expect(sortedTriples(coarse.loose.cells, 4)).toEqual(sortedTriples(direct.loose.cells, 4));
          expect(sortedTriples(coarse.loose.fixed, 4)).toEqual(sortedTriples(direct.loose.fixed, 4));
          const rest = { cells: [], fixed: [], loose: { cells: [], fixed: [] } };
          expect({ ...coarse, ...rest }).toEqual({ ...direct, ...rest });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a column count that does not divide the grid's", () => {
    const grid = binned([{ x: 1, y: 1, fixed: false }], 1000, 50);
    expect(() => regrid(grid, 7)).toThrow(/does not divide/);
    expect(regrid(grid, 50)).toBe(grid);
  });
});
