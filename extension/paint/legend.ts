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

/**
 * One line: `phone (0–599 px) · last 5 min · 22 points`, plus `· frozen` when
 * frozen; for a past range, its label in place of the window.
 */
export function legendText(grid: Grid, frozen: boolean, range?: string): string {
  const points = `${grid.total} ${grid.total === 1 ? "point" : "points"}`;
  const parts = [`${grid.band.id} (${bandRange(grid.band)})`, range ?? `last ${windowLabel(grid.windowMs)}`, points];
  if (frozen && !range) parts.push("frozen");
  return parts.join(" · ");
}

/** A past range as the legend names it: `history 09:00–10:00`, with the date when not today. */
export function rangeLabel(from: number, to: number, now = Date.now()): string {
  const day = (t: number) => new Date(t).toDateString();
  const time = (t: number) => new Date(t).toTimeString().slice(0, 5);
  const date = (t: number) => {
    const d = new Date(t);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")} `;
  };
  const start = `${day(from) === day(now) ? "" : date(from)}${time(from)}`;
  const end = `${day(to) === day(from) ? "" : date(to)}${time(to)}`;
  return `history ${start}–${end}`;
}
