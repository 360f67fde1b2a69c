import { describe, expect, it } from "vitest";
import type { Grid } from "../../protocol/wire";
import { legendText, rangeLabel, windowLabel } from "./legend";

const grid = (band: Grid["band"], total: number, windowMs: number): Grid => ({
  type: "grid",
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

  it("says windows in seconds or minutes", () => {
    expect(windowLabel(60_000)).toBe("1 min");
    expect(windowLabel(90_000)).toBe("90 s");
  });

  it("names a past range, with dates only when they are not today", () => {
    const day = new Date(2026, 10, 27, 9, 0).getTime();
    expect(rangeLabel(day, day + 3_600_000, day + 7_200_000)).toBe("history 09:00–10:00");
    expect(rangeLabel(day, day + 3_600_000, day + 86_400_000)).toBe("history 2026-11-27 09:00–10:00");
  });
});
