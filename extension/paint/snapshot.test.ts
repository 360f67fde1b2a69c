import { describe, expect, it } from "vitest";
import { SnapshotMeta, snapshotFileName } from "../../protocol/snapshot";
import { burnInLayout, burnInLines } from "./snapshot";

const meta: SnapshotMeta = {
  origin: "http://127.0.0.1:8787",
  path: "/demo/product/1",
  band: "desktop",
  layoutWidth: 1265,
  viewportWidth: 1280,
  viewportHeight: 800,
  scrollX: 0,
  scrollY: 640,
  dpr: 2,
  documentHeight: 2400,
  takenAt: Date.UTC(2026, 10, 30, 1, 2, 3),
  time: { kind: "window", ms: 300_000 },
  mode: "tiles",
  points: "both",
  legend: "desktop (1024–1439 px) · last 5 min · 80 points",
  tester: "Ada",
};

describe("snapshot pictures", () => {
  it("burn in the page, the legend (band, window, points) and the time and tester", () => {
    expect(burnInLines(meta)).toEqual([
      "Heatlens · http://127.0.0.1:8787/demo/product/1 · desktop band",
      "desktop (1024–1439 px) · last 5 min · 80 points",
      "taken 2026-11-30 01:02:03 UTC by Ada · 1265 px wide, scrolled to 640 px",
    ]);
    expect(burnInLines({ ...meta, tester: "" })[2]).toBe(
      "taken 2026-11-30 01:02:03 UTC · 1265 px wide, scrolled to 640 px",
    );
  });

  it("keep the whole picture and put the words in a strip below it, scaled by the pixel ratio", () => {
    const layout = burnInLayout(2560, 1600, 2, ["a", "b", "c"]);
    expect(layout).toMatchObject({ width: 2560, top: 1600, fontPx: 26 });
    // 8 px of padding above and below three 18 px lines, in device pixels.
    expect(layout.height).toBe(1600 + 2 * 16 + 3 * 36);
    expect(layout.lines.map((l) => l.x)).toEqual([16, 16, 16]);
    const ys = layout.lines.map((l) => l.y);
    expect(ys[0]).toBeGreaterThan(1600 + 16);
    expect(ys.at(-1)).toBeLessThanOrEqual(layout.height - 16);
    expect((ys[1] ?? 0) - (ys[0] ?? 0)).toBe(36);
    expect(burnInLayout(1280, 800, 1, ["a"]).height).toBe(800 + 16 + 18);
  });

  it("are named by site, page, band and time, in characters every file system takes", () => {
    expect(snapshotFileName(meta)).toBe("heatlens-127.0.0.1-8787-demo-product-1-desktop-2026-11-30T01-02-03Z.png");
    expect(snapshotFileName({ ...meta, origin: "https://shop.example", path: "/", band: "phone" })).toBe(
      "heatlens-shop.example-home-phone-2026-11-30T01-02-03Z.png",
    );
    expect(snapshotFileName({ ...meta, path: "/a b/ü?x=1" })).toBe(
      "heatlens-127.0.0.1-8787-a-b-x-1-desktop-2026-11-30T01-02-03Z.png",
    );
  });

  it("carry metadata the companion checks with one schema", () => {
    expect(SnapshotMeta.parse(meta)).toEqual(meta);
    expect(SnapshotMeta.safeParse({ ...meta, scrollY: 1.5 }).success).toBe(false);
    expect(SnapshotMeta.safeParse({ ...meta, origin: "http://127.0.0.1:8787/demo" }).success).toBe(false);
    expect(SnapshotMeta.safeParse({ ...meta, time: { kind: "range", from: 1, to: 2 } }).success).toBe(true);
  });
});
