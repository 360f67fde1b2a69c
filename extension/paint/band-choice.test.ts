import { describe, expect, it } from "vitest";
import { testGrid } from "../../tests/support/grid";
import { bandOffer, offerLine, shownLine, tilePoints } from "./band-choice";

const PHONE = { id: "phone", min: 0, max: 599 };
const TABLET = { id: "tablet", min: 600, max: 1023 };
const DESKTOP = { id: "desktop", min: 1024, max: 1439 };

/** A band's grid with `total` points on one tile, none of them on an element (a quad of moves and clicks). */
const loose = (band: typeof TABLET, total: number, clicks = 0) =>
  testGrid({
    band,
    total,
    clicks,
    cells: [3, 4, total],
    max: total,
    loose: { cells: [3, 4, total - clicks, clicks], fixed: [] },
  });

describe("another band's heat for an empty band", () => {
  it("is offered when the viewer's band has no points: the band with the most", () => {
    const grids = [testGrid({ band: DESKTOP }), loose(PHONE, 5), loose(TABLET, 42)];
    const offer = bandOffer(grids, 1280, "tiles", "both");
    expect(offer).toEqual({ own: DESKTOP, other: TABLET, points: 42 });
    expect(offer && offerLine(offer)).toEqual({
      line: "No points at your width (desktop); tablet has 42",
      action: "Show tablet",
    });
  });

  it("is not offered while the viewer's band has points, before its grid came, or when no other band has any", () => {
    expect(bandOffer([loose(DESKTOP, 1), loose(TABLET, 42)], 1280, "tiles", "both")).toBeNull();
    expect(bandOffer([loose(TABLET, 42)], 1280, "tiles", "both")).toBeNull();
    expect(bandOffer([testGrid({ band: DESKTOP }), testGrid({ band: TABLET })], 1280, "tiles", "both")).toBeNull();
  });

  it("counts, for heat on elements, only the points painted as page tiles: those on no element, of the layer", () => {
    const anchored = testGrid({
      band: TABLET,
      total: 9,
      cells: [1, 1, 9],
      anchors: [{ s: "#buy", moves: 9, clicks: 0, cells: [0, 9, 0] }],
    });
    expect(tilePoints(anchored, "elements", "both")).toBe(0);
    expect(tilePoints(anchored, "tiles", "both")).toBe(9);
    expect(bandOffer([testGrid({ band: DESKTOP }), anchored], 1280, "elements", "both")).toBeNull();
    const mixed = loose(TABLET, 10, 3);
    expect(tilePoints(mixed, "elements", "clicks")).toBe(3);
    expect(tilePoints(mixed, "elements", "moves")).toBe(7);
    expect(bandOffer([testGrid({ band: DESKTOP }), mixed], 1280, "elements", "clicks")?.points).toBe(3);
  });

  it("warns, once shown, that the layout may differ at the viewer's width", () => {
    expect(shownLine(TABLET, 1280)).toEqual({
      line: "showing tablet heat at 1280 px: the layout may differ",
      action: "Back to my width",
    });
  });
});
