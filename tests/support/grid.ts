/** A grid message for tests that build one by hand. */
import { noSideHeat } from "../../protocol/anchor";
import type { Grid } from "../../protocol/wire";
import { SITE } from "./site";

/** An empty 5-minute window of the test site's `/` in the desktop band, 50 columns, with `part` over it. */
export function testGrid(part: Partial<Grid> = {}): Grid {
  return {
    type: "grid",
    ...noSideHeat(),
    origin: SITE,
    path: "/",
    band: { id: "desktop", min: 1024, max: 1439 },
    windowMs: 300_000,
    cols: 50,
    rows: 0,
    tile: { size: 0.02, unit: "layout-width" },
    start: 0,
    end: 300_000,
    total: 0,
    max: 0,
    cells: [],
    fixed: [],
    ...part,
  };
}
