import { describe, expect, it } from "vitest";
import type { SnapshotEntry } from "../../protocol/snapshot";
import { backdropCaption, pickSnapshot, placement } from "./backdrop";

function entry(overrides: Partial<SnapshotEntry> = {}): SnapshotEntry {
  return {
    id: "0123456789abcdef",
    url: "/api/snapshots/0123456789abcdef",
    bytes: 100,
    storedAt: 0,
    origin: "http://127.0.0.1:8787",
    path: "/demo/",
    band: "desktop",
    layoutWidth: 1250,
    viewportWidth: 1265,
    viewportHeight: 800,
    scrollX: 0,
    scrollY: 500,
    dpr: 1,
    documentHeight: 3000,
    takenAt: Date.UTC(2026, 10, 30, 1, 2, 3),
    time: { kind: "window", ms: 300_000 },
    mode: "tiles",
    points: "both",
    legend: "",
    tester: "Ada",
    ...overrides,
  };
}

const desktop = { id: "desktop", min: 1024, max: 1439 };

describe("the page behind the heat", () => {
  it("is the newest snapshot of the band shown, else the newest of any band, said as such", () => {
    const list = [entry({ id: "a", band: "phone" }), entry({ id: "b" }), entry({ id: "c" })];
    expect(pickSnapshot(list, "desktop")).toEqual({ snapshot: list[1], sameBand: true });
    expect(pickSnapshot(list, "wide")).toEqual({ snapshot: list[0], sameBand: false });
    expect(pickSnapshot([], "wide")).toBeNull();
  });

  it("is scaled by canvas width / layout width and placed at its scroll position, in tile units", () => {
    // 50 columns of 14 px: a 700 px canvas; a tile is 25 CSS px at 1250 px.
    const place = placement(entry(), 700, 50);
    expect(place).toMatchObject({ scale: 0.56, x: 0, y: 280, firstRow: 20, lastRow: 51 });
    expect(place.width).toBeCloseTo(1265 * 0.56);
    expect(place.height).toBeCloseTo(448);
    // The picture's top edge is the first covered row's top edge: 20 rows of 14 px.
    expect(place.y).toBe(place.firstRow * 14);
  });

  it("says which snapshot, where it was taken and what it covers, and when its width or band differs", () => {
    const s = entry();
    expect(backdropCaption(s, true, desktop, placement(s, 700, 50))).toBe(
      "Behind the heat: the newest desktop snapshot, of 2026-11-30 01:02:03 UTC by Ada, taken at 1250 px wide, scrolled 500 px: covers rows 20–51, scaled ×0.56.",
    );
    const phone = entry({ band: "phone", layoutWidth: 390, tester: "" });
    const said = backdropCaption(phone, false, desktop, placement(phone, 700, 50));
    expect(said).toContain("the newest snapshot (phone; this page has none of desktop), of 2026-11-30 01:02:03 UTC,");
    expect(said).toContain("Its layout width differs from the desktop band's 1024–1439 px");
  });
});
