import { describe, expect, it } from "vitest";
import { type AnchorHeat, anchorTile } from "../../protocol/anchor";
import { MAX_WATCHES_PER_FRAME } from "../../protocol/messages";
import type { Grid } from "../../protocol/wire";
import { testGrid } from "../../tests/support/grid";
import {
  anchoredScale,
  anchorTiles,
  bandWatches,
  intersect,
  layerCount,
  looseGrid,
  MIN_TILE_PX,
  mergeAnchors,
  pageTotals,
  visiblePart,
} from "./anchored";

const BANDS = [
  { id: "phone", min: 0, max: 599 },
  { id: "tablet", min: 600, max: 1023 },
  { id: "desktop", min: 1024, max: 1439 },
  { id: "wide", min: 1440, max: null },
];

const grid = (band: Grid["band"], part: Partial<Grid>): Grid =>
  testGrid({ origin: "http://shop.test", path: "/", band, ...part });

const anchor = (s: string, cells: number[]): AnchorHeat => {
  let moves = 0;
  let clicks = 0;
  for (let i = 0; i < cells.length; i += 3) {
    moves += cells[i + 1] as number;
    clicks += cells[i + 2] as number;
  }
  return { s, cells, moves, clicks };
};

describe("anchored heat", () => {
  it("lays an anchor's 8 × 8 tiles inside the element's current box, wherever and however large it is now", () => {
    // Captured near the top-left corner and in the middle of the bottom-right tile.
    const heat = anchor("#buy", [anchorTile(0, 0), 3, 1, anchorTile(1023, 1023), 2, 0]);
    const narrow = anchorTiles(heat, { left: 10, top: 500, width: 80, height: 160 }, "both");
    // Coolest first, so that the hottest is painted on top.
    expect(narrow).toEqual([
      { left: 80, top: 640, width: 10, height: 20, count: 2 },
      { left: 10, top: 500, width: 10, height: 20, count: 4 },
    ]);
    // The same heat on the same element twice as wide, elsewhere: still its corners.
    const wide = anchorTiles(heat, { left: 300, top: 20, width: 160, height: 320 }, "both");
    expect(wide.map((t) => [t.left, t.top, t.width])).toEqual([
      [440, 300, 20],
      [300, 20, 20],
    ]);
    for (const tile of wide) {
      expect(tile.left).toBeGreaterThanOrEqual(300);
      expect(tile.left + tile.width).toBeLessThanOrEqual(460);
      expect(tile.top + tile.height).toBeLessThanOrEqual(340);
    }
  });

  it("paints a small element's tiles at least MIN_TILE_PX a side, about their centres and inside the element", () => {
    // A 60 × 24 px button: its eighths are 7.5 × 3 px.
    const heat = anchor("#buy", [anchorTile(0, 0), 1, 0, anchorTile(512, 512), 20, 2, anchorTile(1023, 1023), 3, 0]);
    const button = { left: 100, top: 50, width: 60, height: 24 };
    const tiles = anchorTiles(heat, button, "both");
    expect(tiles.map((t) => [t.left, t.top, t.width, t.height, t.count])).toEqual([
      // Corners stay in the button; the middle one grows about its centre (133.75, 63.5).
      [100, 50, MIN_TILE_PX, MIN_TILE_PX, 1],
      [150, 64, MIN_TILE_PX, MIN_TILE_PX, 3],
      [128.75, 58.5, MIN_TILE_PX, MIN_TILE_PX, 22],
    ]);
    // An element thinner than MIN_TILE_PX: its tiles are as thin as it is.
    const rule = anchorTiles(heat, { left: 0, top: 0, width: 400, height: 4 }, "both");
    expect(rule.every((t) => t.height === 4 && t.top === 0 && t.width === 50)).toBe(true);
  });

  it("counts the chosen layer: moves, clicks or both, leaving out tiles with none", () => {
    expect([layerCount(5, 2, "moves"), layerCount(5, 2, "clicks"), layerCount(5, 2, "both")]).toEqual([5, 2, 7]);
    const heat = anchor("#buy", [0, 3, 0, 9, 0, 2]);
    const box = { left: 0, top: 0, width: 160, height: 160 };
    expect(anchorTiles(heat, box, "clicks").map((t) => [t.left, t.top, t.count])).toEqual([[20, 20, 2]]);
    expect(anchorTiles(heat, box, "moves").map((t) => t.count)).toEqual([3]);
  });

  it("clips an element's heat to the part visible through the viewport and its scroll containers", () => {
    const element = { left: 0, top: 250, width: 100, height: 100 };
    const viewport = { left: 0, top: 0, width: 800, height: 600 };
    const scroller = { left: 0, top: 100, width: 300, height: 200 };
    expect(visiblePart(element, [viewport, scroller])).toEqual({ left: 0, top: 250, width: 100, height: 50 });
    // Scrolled out of its container: nothing is painted, even though it is inside the viewport.
    expect(visiblePart({ ...element, top: 320 }, [viewport, scroller])).toBeNull();
    expect(intersect({ left: 0, top: 0, width: 10, height: 10 }, { left: 10, top: 0, width: 5, height: 5 })).toBeNull();
  });

  it("sums each anchor over the width bands, hottest first", () => {
    const phone = grid(BANDS[0] as Grid["band"], {
      anchors: [anchor("#buy", [0, 2, 1, 5, 1, 0]), anchor("#menu", [3, 1, 0])],
    });
    const desktop = grid(BANDS[2] as Grid["band"], {
      anchors: [anchor("#menu", [3, 4, 2, 4, 1, 0]), anchor("#buy", [0, 1, 0])],
    });
    expect(mergeAnchors([phone, desktop])).toEqual([
      { s: "#menu", moves: 6, clicks: 2, cells: [3, 5, 2, 4, 1, 0] },
      { s: "#buy", moves: 4, clicks: 1, cells: [0, 3, 1, 5, 1, 0] },
    ]);
    expect(mergeAnchors([])).toEqual([]);
  });

  it("totals the page's moves and clicks over the bands", () => {
    const a = grid(BANDS[0] as Grid["band"], { total: 10, clicks: 3 });
    const b = grid(BANDS[3] as Grid["band"], { total: 5, clicks: 1 });
    expect(pageTotals([a, b])).toEqual({ moves: 11, clicks: 4 });
  });

  it("paints the points without an anchor as page tiles of the chosen layer", () => {
    const own = grid(BANDS[2] as Grid["band"], { loose: { cells: [1, 2, 5, 1, 3, 4, 0, 0], fixed: [0, 0, 0, 2] } });
    const both = looseGrid(own, "both");
    expect(both.cells).toEqual([1, 2, 6]);
    expect(both.fixed).toEqual([0, 0, 2]);
    expect(both.max).toBe(6);
    expect(looseGrid(own, "moves").fixed).toEqual([]);
  });

  it("paints the page grid of a companion older than anchors, which sends no anchored or loose heat", () => {
    const older = grid(BANDS[2] as Grid["band"], { total: 5, max: 5, cells: [3, 4, 5], fixed: [] });
    expect(looseGrid(older, "clicks")).toBe(older);
    const anchoredOnly = grid(BANDS[2] as Grid["band"], { total: 5, anchors: [anchor("#buy", [0, 5, 0])] });
    expect(looseGrid(anchoredOnly, "both").cells).toEqual([]);
  });

  it("scales the elements' tiles and the loose page tiles together, the loose fixed tiles on their own", () => {
    const loose = looseGrid(
      grid(BANDS[2] as Grid["band"], { loose: { cells: [0, 0, 2, 0], fixed: [0, 0, 30, 0] } }),
      "both",
    );
    const scale = anchoredScale([anchor("#buy", [0, 3, 1, 1, 1, 0])], loose, "both", "log");
    expect(scale.page).toEqual({ top: 4, max: 4 });
    expect(scale.fixed).toEqual({ top: 30, max: 30 });
    expect(scale.max).toBe(30);
    expect(anchoredScale([], null, "clicks", "linear").page).toEqual({ top: 0, max: 0 });
    // A 20,000 px page's worth of loose tiles (50 columns, 400,000 numbers).
    const quads = Array.from({ length: 100_000 }, (_, i) => [i % 50, Math.floor(i / 50), 1 + (i % 3), 0]).flat();
    const long = looseGrid(grid(BANDS[2] as Grid["band"], { loose: { cells: quads, fixed: [] } }), "both");
    expect(anchoredScale([], long, "both", "log").page).toEqual({ top: 3, max: 3 });
  });

  it("watches every band, the viewer's own first at its own width, each other at a width inside it", () => {
    const base = { origin: "http://shop.test", path: "/", width: 1280, windowMs: 60_000 };
    const watches = bandWatches(base, BANDS);
    expect(watches.map((w) => w.width)).toEqual([1280, 1, 600, 1440]);
    expect(watches.every((w) => w.windowMs === 60_000 && w.path === "/")).toBe(true);
    expect(bandWatches(base, [])).toEqual([base]);
    const many = Array.from({ length: 12 }, (_, i) => ({
      id: `w${i}`,
      min: i * 200,
      max: i === 11 ? null : i * 200 + 199,
    }));
    const capped = bandWatches(base, many);
    expect(capped).toHaveLength(MAX_WATCHES_PER_FRAME);
    expect(capped[0]).toEqual(base);
  });
});
