import { describe, expect, it } from "vitest";
import { noSideHeat } from "../../protocol/anchor";
import type { Grid } from "../../protocol/wire";
import {
  barMiddle,
  barTop,
  comparedRange,
  elementsLegendParts,
  elementTooltip,
  freshness,
  layerAmount,
  legendParts,
  legendText,
  rangeLabel,
  scaleParts,
  staleAfter,
  tileTooltip,
  windowLabel,
} from "./legend";

const grid = (band: Grid["band"], total: number, windowMs: number): Grid => ({
  type: "grid",
  ...noSideHeat(),
  origin: "http://shop.test",
  path: "/",
  band,
  windowMs,
  cols: 50,
  rows: 0,
  tile: { size: 0.02, unit: "layout-width" },
  start: 0,
  end: windowMs,
  total,
  max: total,
  cells: [],
  fixed: [],
});

describe("legend", () => {
  it("names the band, its range, the window and the count", () => {
    expect(legendText(grid({ id: "phone", min: 0, max: 599 }, 1, 10_000), false)).toBe(
      "phone (0–599 px) · last 10 s · 1 point",
    );
    expect(legendText(grid({ id: "wide", min: 1440, max: null }, 7, 300_000), true)).toBe(
      "wide (≥ 1440 px) · last 5 min · 7 points · frozen",
    );
  });

  it("keeps each number with its unit in one part, so the panel can break only between parts", () => {
    const parts = legendParts(grid({ id: "desktop", min: 1024, max: 1439 }, 80, 300_000), false);
    expect(parts).toEqual(["desktop (1024–1439 px)", "last 5 min", "80 points"]);
  });

  it("turns stale after two missed refreshes and four hops, and says since when", () => {
    const pace = { hopMs: 250, refreshMs: 2000 };
    expect(staleAfter(pace)).toBe(5000);
    expect(freshness(400, pace)).toEqual({ stale: false, text: "updated just now" });
    expect(freshness(3200, pace)).toEqual({ stale: false, text: "updated 3 s ago" });
    expect(freshness(9000, pace)).toEqual({ stale: true, text: "stale: no update for 9 s" });
    expect(freshness(125_000, pace)).toEqual({ stale: true, text: "stale: no update for 2 min" });
    // Before any welcome the companion's pace is unknown: never called stale.
    expect(freshness(60_000, { hopMs: 0, refreshMs: 0 }).stale).toBe(false);
  });

  it("states the true maximum and the fixed layer's own scale beside the colour bar", () => {
    const both = { kind: "linear", page: { top: 4, max: 9 }, fixed: { top: 14, max: 14 }, max: 14 } as const;
    expect(scaleParts(both)).toEqual(["max 14", "linear to 95th pct", "fixed elements to 14"]);
    expect(barTop(both)).toBe("4+");
    const fixedOnly = { kind: "log", page: { top: 0, max: 0 }, fixed: { top: 12, max: 12 }, max: 12 } as const;
    expect(scaleParts(fixedOnly)).toEqual(["max 12", "log to max"]);
    expect(barTop(fixedOnly)).toBe("12");
    expect(barMiddle(both)).toBe("2");
    expect(barMiddle(fixedOnly)).toBe("3");
    expect(barMiddle({ ...both, page: { top: 2, max: 2 } })).toBe("");
  });

  it("says windows in seconds or minutes", () => {
    expect(windowLabel(60_000)).toBe("1 min");
    expect(windowLabel(90_000)).toBe("90 s");
  });

  it("names a past range, with dates only when they are not today", () => {
    const day = new Date(2026, 10, 27, 9, 0).getTime();
    expect(rangeLabel(day, day + 3_600_000, day + 7_200_000)).toBe("history 09:00–10:00");
    expect(rangeLabel(day, day + 3_600_000, day + 86_400_000)).toBe("history 2026-11-27 09:00–10:00");
  });

  it("says what a comparison covers: everything kept, the hours, the history row's range or each side's", () => {
    const day = new Date(2026, 10, 27, 9, 0).getTime();
    const now = day + 7_200_000;
    expect(comparedRange("me", {}, now)).toBe("all history kept");
    expect(comparedRange("hours", { aFrom: day, aTo: day + 3_600_000, bFrom: day + 3_600_000, bTo: now }, now)).toBe(
      "hour before vs last hour",
    );
    expect(comparedRange("builds", { from: day, to: day + 3_600_000 }, now)).toBe("history 09:00–10:00");
    expect(comparedRange("me", { aFrom: day, aTo: day + 3_600_000 }, now)).toBe(
      "A history 09:00–10:00 vs B all history kept",
    );
  });

  it("names heat on elements as all widths, its layer, and the points on elements this page lacks", () => {
    const legend = {
      widths: "all widths",
      windowMs: 300_000,
      points: 40,
      layer: "both",
      missing: 0,
      frozen: false,
    } as const;
    expect(elementsLegendParts(legend)).toEqual([
      "elements, all widths",
      "last 5 min",
      "40 points",
      "moves and clicks",
    ]);
    expect(elementsLegendParts({ ...legend, layer: "clicks", points: 1, missing: 1, frozen: true })).toEqual([
      "elements, all widths",
      "last 5 min",
      "1 click",
      "clicks",
      "1 click on elements not on this page",
      "frozen",
    ]);
    expect(
      elementsLegendParts({ ...legend, widths: "desktop (1024–1439 px)", missing: 3, range: "history 09:00–10:00" }),
    ).toEqual([
      "elements, desktop (1024–1439 px)",
      "history 09:00–10:00",
      "40 points",
      "moves and clicks",
      "3 points on elements not on this page",
    ]);
    expect([layerAmount(2, "moves"), layerAmount(1, "moves"), layerAmount(0, "clicks")]).toEqual([
      "2 moves",
      "1 move",
      "0 clicks",
    ]);
  });

  it("gives an element's moves, clicks and share of the page's clicks (or of its moves, for moves or an element without clicks) in its tooltip", () => {
    const page = { moves: 200, clicks: 8 };
    expect(elementTooltip({ moves: 30, clicks: 2 }, page, "both")).toBe(
      "30 moves · 2 clicks · 25% of the page's clicks",
    );
    expect(elementTooltip({ moves: 30, clicks: 2 }, page, "clicks")).toBe(
      "30 moves · 2 clicks · 25% of the page's clicks",
    );
    expect(elementTooltip({ moves: 1, clicks: 0 }, page, "moves")).toBe("1 move · 0 clicks · 0.5% of the page's moves");
    expect(elementTooltip({ moves: 20, clicks: 0 }, page, "both")).toBe(
      "20 moves · 0 clicks · 10% of the page's moves",
    );
    expect(elementTooltip({ moves: 20, clicks: 0 }, page, "clicks")).toBe(
      "20 moves · 0 clicks · 0% of the page's clicks",
    );
    // A page without clicks: the share of its moves.
    expect(elementTooltip({ moves: 50, clicks: 0 }, { moves: 200, clicks: 0 }, "both")).toBe(
      "50 moves · 0 clicks · 25% of the page's moves",
    );
    expect(tileTooltip(3, 9, 300)).toBe("3 points (max 9) · 1% of all");
    expect(tileTooltip(1, 9, 300)).toBe("1 point (max 9) · 0.3% of all");
  });
});
