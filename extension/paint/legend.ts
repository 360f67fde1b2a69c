/**
 * The words of the overlay's legend: which width band and window the heat on
 * screen comes from, how many points it holds, how its colours are scaled and
 * how fresh it is. Pure.
 */
import type { Comparison } from "../../protocol/compare";
import type { Grid } from "../../protocol/wire";
import type { HeatLayer } from "../state/overlay-prefs";
import type { CompareChoice } from "./compare-choice";
import { COMPARE_COLOURS, type HeatScale, type LayerScale } from "./renderer";

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
 * The legend's parts: `phone (0–599 px)`, `last 5 min`, `22 points`, plus
 * `frozen` when frozen; for a past range, its label in place of the window.
 * The panel keeps each part on one line (it breaks only between parts).
 */
export function legendParts(grid: Grid, frozen: boolean, range?: string): string[] {
  const points = `${grid.total} ${grid.total === 1 ? "point" : "points"}`;
  const parts = [`${grid.band.id} (${bandRange(grid.band)})`, range ?? `last ${windowLabel(grid.windowMs)}`, points];
  if (frozen && !range) parts.push("frozen");
  return parts;
}

/** One line: `phone (0–599 px) · last 5 min · 22 points`. */
export function legendText(grid: Grid, frozen: boolean, range?: string): string {
  return legendParts(grid, frozen, range).join(" · ");
}

/**
 * The legend's parts for a difference map: `A: tester:ana (blue)`,
 * `B: rest:ana (orange)`, `14 elements tested`, `2 changed beyond chance (α 0.05)`.
 */
export function compareParts({ a, b, test }: Pick<Comparison, "a" | "b" | "test">, range: string): string[] {
  return [
    `A: ${a.set} (${COMPARE_COLOURS.a.name})`,
    `B: ${b.set} (${COMPARE_COLOURS.b.name})`,
    range,
    `${test.tested} ${test.tested === 1 ? "element" : "elements"} tested`,
    `${test.flagged} changed beyond chance (α ${test.alpha})`,
  ];
}

/** The ranges a comparison asks for, as its request names them (protocol/messages.ts ComparisonRequest). */
export interface ComparedRanges {
  from?: number;
  to?: number;
  aFrom?: number;
  aTo?: number;
  bFrom?: number;
  bTo?: number;
}

/**
 * What the comparison covers: `hour before vs last hour`, the history row's
 * range, each side's own range, or `all history kept` when none bounds it.
 */
export function comparedRange(choice: CompareChoice, ranges: ComparedRanges, now = Date.now()): string {
  if (choice === "hours") return "hour before vs last hour";
  const { from, to, aFrom, aTo, bFrom, bTo } = ranges;
  if (aFrom !== undefined || bFrom !== undefined) {
    const side = (start = from, end = to) =>
      start === undefined ? "all history kept" : rangeLabel(start, end ?? now, now);
    return `A ${side(aFrom, aTo)} vs B ${side(bFrom, bTo)}`;
  }
  return from === undefined ? "all history kept" : rangeLabel(from, to ?? now, now);
}

/** `1 click`, `12 moves`, `3 points` (both layers). */
export function layerAmount(count: number, layer: HeatLayer): string {
  const noun = layer === "moves" ? "move" : layer === "clicks" ? "click" : "point";
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** What the legend says of heat on elements. */
export interface ElementsLegend {
  /** `all widths` for every band's heat, or the band's own label (`desktop (1024–1439 px)`) for one band's past range. */
  widths: string;
  windowMs: number;
  /** The layer's points, on elements or not. */
  points: number;
  layer: HeatLayer;
  /** The layer's points on elements this page does not have. */
  missing: number;
  frozen: boolean;
  range?: string;
}

/**
 * The legend's parts for heat on elements: `elements, all widths`, `last 5 min`,
 * `40 points`, `moves and clicks`, and `3 points on elements not on this page`
 * when some anchors are not found here.
 */
export function elementsLegendParts(legend: ElementsLegend): string[] {
  const { widths, windowMs, points, layer, missing, frozen, range } = legend;
  const shown = layer === "both" ? "moves and clicks" : layer;
  const parts = [`elements, ${widths}`, range ?? `last ${windowLabel(windowMs)}`, layerAmount(points, layer), shown];
  if (missing > 0) parts.push(`${layerAmount(missing, layer)} on elements not on this page`);
  if (frozen && !range) parts.push("frozen");
  return parts;
}

/**
 * The tooltip over an element with heat: its moves and clicks and its share
 * of the page's clicks; of the page's moves instead for the moves layer, and
 * for both layers when the element has no clicks.
 */
export function elementTooltip(
  element: { moves: number; clicks: number },
  page: { moves: number; clicks: number },
  layer: HeatLayer,
): string {
  const ofClicks = page.clicks > 0 && (layer === "clicks" || (layer === "both" && element.clicks > 0));
  const share = ofClicks ? element.clicks / page.clicks : page.moves > 0 ? element.moves / page.moves : 0;
  const counts = `${layerAmount(element.moves, "moves")} · ${layerAmount(element.clicks, "clicks")}`;
  return `${counts} · ${percent(share)} of the page's ${ofClicks ? "clicks" : "moves"}`;
}

/** The tooltip over a page tile: `4 points (max 9) · 12% of all`. */
export function tileTooltip(count: number, max: number, total: number): string {
  return `${layerAmount(count, "both")} (max ${max}) · ${percent(total > 0 ? count / total : 0)} of all`;
}

/** `62%`, or `0.4%` under one per cent. */
export function percent(share: number): string {
  const p = share * 100;
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

/** What the viewer knows about the companion's pace (its welcome): the hop and how often an unchanged grid is re-sent. */
export interface Pace {
  hopMs: number;
  refreshMs: number;
}

/**
 * How long without any grid makes the heat on screen stale: the companion
 * sends each watched grid at least every `refreshMs`, changed or not, so two
 * missed refreshes and a few hops of slack mean the view stalled. Null while
 * the companion's pace is unknown.
 */
export function staleAfter({ hopMs, refreshMs }: Pace): number | null {
  return refreshMs > 0 ? 2 * refreshMs + 4 * hopMs : null;
}

/** The panel's status line: `updated 3 s ago`, or `stale: no update for 9 s` once `staleAfter` has passed. */
export function freshness(sinceMs: number, pace: Pace): { stale: boolean; text: string } {
  const limit = staleAfter(pace);
  const ago = sinceMs < 60_000 ? `${Math.floor(sinceMs / 1000)} s` : `${Math.floor(sinceMs / 60_000)} min`;
  if (limit !== null && sinceMs > limit) return { stale: true, text: `stale: no update for ${ago}` };
  return { stale: false, text: sinceMs < 1000 ? "updated just now" : `updated ${ago} ago` };
}

/**
 * The lines under the colour bar: the true maximum, the kind of scale and
 * its top, and the fixed layer's own top when both layers hold heat (each
 * runs to its own top).
 */
export function scaleParts(scale: HeatScale): string[] {
  const parts = [`max ${scale.max}`, scale.kind === "log" ? "log to max" : "linear to 95th pct"];
  if (scale.fixed.top > 0 && scale.page.top > 0) parts.push(`fixed elements to ${topLabel(scale.fixed)}`);
  return parts;
}

/** The label at the hot end of the colour bar: the page layer's top (else the fixed one's), with `+` when counts go past it. */
export function barTop(scale: HeatScale): string {
  return topLabel(scale.page.top > 0 ? scale.page : scale.fixed);
}

/** The count at the middle of the colour bar (half the top, or its geometric middle on a log scale), when it is worth a label. */
export function barMiddle(scale: HeatScale): string {
  const top = scale.page.top || scale.fixed.top;
  const middle = Math.round(scale.kind === "log" ? Math.sqrt(1 + top) - 1 : top / 2);
  return middle > 1 && middle < top ? String(middle) : "";
}

function topLabel({ top, max }: LayerScale): string {
  return top === 0 ? "" : top < max ? `${top}+` : String(top);
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
