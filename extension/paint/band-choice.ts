/**
 * Another width band's heat, shown at the viewer's width: when the viewer's
 * band has no points for the page and another band has page tiles to paint,
 * the legend says so and offers that band; once chosen, its grid is painted
 * scaled to the viewer's width (tiles are the layout width over the columns)
 * with a warning that the layout may differ. The overlay learns each band's
 * points from the grids it already watches, one request per band
 * (`bandWatches`), so the counts are those of the window on screen and stay
 * live. Pure: the choice itself is the overlay's, per tab.
 */
import type { Grid } from "../../protocol/wire";
import type { HeatLayer, PaintMode } from "../state/overlay-prefs";
import { inBand, looseGrid } from "./anchored";

export type Band = Grid["band"];

/** Another band to show instead of the viewer's empty one. */
export interface BandOffer {
  own: Band;
  other: Band;
  /** The other band's points painted as page tiles in this mode. */
  points: number;
}

/** What the legend says of the band shown, and its one control. */
export interface BandLine {
  line: string;
  action: string;
}

/**
 * Points a grid paints as page tiles: all of them in the page-grid modes, the
 * loose ones (points without an element) of the layer for heat on elements,
 * whose anchored heat already comes from every band.
 */
export function tilePoints(grid: Grid, mode: PaintMode, layer: HeatLayer): number {
  if (mode !== "elements") return grid.total;
  const loose = looseGrid(grid, layer);
  let points = 0;
  for (const cells of [loose.cells, loose.fixed])
    for (let i = 2; i < cells.length; i += 3) points += cells[i] as number;
  return points;
}

/**
 * The band to offer when the viewer's own band (`width`) has a grid with no
 * points: the one of the other grids with the most page-tile points, if any.
 */
export function bandOffer(grids: readonly Grid[], width: number, mode: PaintMode, layer: HeatLayer): BandOffer | null {
  const own = grids.find((grid) => inBand(grid, width));
  if (!own || own.total > 0) return null;
  let best: BandOffer | null = null;
  for (const grid of grids) {
    if (grid === own) continue;
    const points = tilePoints(grid, mode, layer);
    if (points > (best?.points ?? 0)) best = { own: own.band, other: grid.band, points };
  }
  return best;
}

/** `No points at your width (desktop); tablet has 42`, and `Show tablet`. */
export function offerLine({ own, other, points }: BandOffer): BandLine {
  return {
    line: `No points at your width (${own.id}); ${other.id} has ${points}`,
    action: `Show ${other.id}`,
  };
}

/** `showing tablet heat at 1280 px: the layout may differ`, and `Back to my width`. */
export function shownLine(band: Band, viewerWidth: number): BandLine {
  return {
    line: `showing ${band.id} heat at ${viewerWidth} px: the layout may differ`,
    action: "Back to my width",
  };
}
