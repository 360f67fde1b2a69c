/**
 * The words of the overlay's legend: which width band and window the heat on
 * screen comes from, and how many points it holds. Pure.
 */
import type { Grid } from "../../protocol/wire";

type Band = Grid["band"];

/** `10 s`, `1 min`, `5 min`. */
export function windowLabel(windowMs: number): string {
  return windowMs >= 60_000 && windowMs % 60_000 === 0 ? `${windowMs / 60_000} min` : `${windowMs / 1000} s`;
}

/** `0–599 px`, or `≥ 1440 px` for the widest band. */
export function bandRange(band: Band): string {
  return band.max === null ? `≥ ${band.min} px` : `${band.min}–${band.max} px`;
}

/** One line: `phone (0–599 px) · last 5 min · 22 points`, plus `· frozen` when frozen. */
export function legendText(grid: Grid, frozen: boolean): string {
  const points = `${grid.total} ${grid.total === 1 ? "point" : "points"}`;
  const parts = [`${grid.band.id} (${bandRange(grid.band)})`, `last ${windowLabel(grid.windowMs)}`, points];
  if (frozen) parts.push("frozen");
  return parts.join(" · ");
}
