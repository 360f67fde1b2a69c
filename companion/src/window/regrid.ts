/**
 * A grid at fewer columns: each k × k block of tiles (k = grid.cols / cols)
 * merged into one. Exact, because points are binned with `colOf`/`rowOf`,
 * whose floors nest: a point's tile at `cols` is its tile at `grid.cols`
 * divided by k. Points without an anchor (`loose`) merge the same way;
 * anchored heat is inside elements and does not change.
 */
import type { Grid } from "../../../protocol/wire";

export function regrid(grid: Grid, cols: number): Grid {
  if (cols === grid.cols) return grid;
  if (!Number.isInteger(cols) || cols < 1 || grid.cols % cols !== 0) {
    throw new RangeError(`cols ${cols} does not divide the grid's ${grid.cols} columns`);
  }
  const k = grid.cols / cols;
  const merge = (triples: readonly number[]): Map<number, number> => {
    const merged = new Map<number, number>();
    for (let i = 0; i < triples.length; i += 3) {
      const cell = Math.floor((triples[i + 1] as number) / k) * cols + Math.floor((triples[i] as number) / k);
      merged.set(cell, (merged.get(cell) ?? 0) + (triples[i + 2] as number));
    }
    return merged;
  };
  let max = 0;
  const flatten = (merged: Map<number, number>): number[] => {
    const triples: number[] = [];
    for (const [cell, count] of merged) {
      triples.push(cell % cols, Math.floor(cell / cols), count);
      if (count > max) max = count;
    }
    return triples;
  };
  const cells = flatten(merge(grid.cells));
  const fixed = flatten(merge(grid.fixed));
  const mergeLoose = (quads: readonly number[]): number[] => {
    const merged = new Map<number, [number, number]>();
    for (let i = 0; i < quads.length; i += 4) {
      const cell = Math.floor((quads[i + 1] as number) / k) * cols + Math.floor((quads[i] as number) / k);
      const tile = merged.get(cell) ?? [0, 0];
      tile[0] += quads[i + 2] as number;
      tile[1] += quads[i + 3] as number;
      merged.set(cell, tile);
    }
    const out: number[] = [];
    for (const [cell, [moves, clicks]] of merged) out.push(cell % cols, Math.floor(cell / cols), moves, clicks);
    return out;
  };
  return {
    ...grid,
    cols,
    rows: Math.ceil(grid.rows / k),
    tile: { size: 1 / cols, unit: "layout-width" },
    max,
    cells,
    fixed,
    loose: { cells: mergeLoose(grid.loose.cells), fixed: mergeLoose(grid.loose.fixed) },
  };
}
