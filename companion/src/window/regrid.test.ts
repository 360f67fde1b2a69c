import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { noSideHeat } from "../../../protocol/anchor";
import { colOf, columnChoices, rowOf } from "../../../protocol/grid";
import type { Grid } from "../../../protocol/wire";
import { regrid } from "./regrid";

/** The grid of `points` binned straight at `cols` columns, as the gateway bins them. */
function binned(points: { x: number; y: number; fixed: boolean }[], width: number, cols: number): Grid {
  const counts = new Map<string, number>();
  for (const { x, y, fixed } of points) {
    const id = `${fixed ? "f" : "d"},${colOf(x, width, cols)},${rowOf(y, width, cols)}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
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
    ...noSideHeat(),
  };
}

function sortedTriples(triples: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < triples.length; i += 3) out.push(triples.slice(i, i + 3).join(","));
  return out.sort();
}

describe("regrid", () => {
  it("equals binning the same points at fewer columns, for every divisor", () => {
    const point = fc.record({
      x: fc.integer({ min: 0, max: 3000 }),
      y: fc.integer({ min: 0, max: 40_000 }),
      fixed: fc.boolean(),
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
          expect({ ...coarse, cells: [], fixed: [] }).toEqual({ ...direct, cells: [], fixed: [] });
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
