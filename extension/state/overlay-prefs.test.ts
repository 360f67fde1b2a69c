import { describe, expect, it, vi } from "vitest";

// Only the parsing is tested here: the storage calls need an extension.
vi.mock("webextension-polyfill", () => ({ default: {} }));
const { DEFAULT_OVERLAY_PREFS, parseOverlayPrefs } = await import("./overlay-prefs");

describe("overlay prefs", () => {
  it("start with heat on elements, both layers, no scroll map and the panel open in the bottom-right corner", () => {
    expect(parseOverlayPrefs(undefined)).toEqual(DEFAULT_OVERLAY_PREFS);
    expect(DEFAULT_OVERLAY_PREFS).toMatchObject({
      mode: "elements",
      layer: "both",
      scrollMap: false,
      corner: "bottom-right",
      collapsed: false,
    });
  });

  it("keep what an older version stored (a chosen page-grid mode stays chosen)", () => {
    const stored = { mode: "tiles", scale: "log", opacity: 0.5, windowMs: 60_000 };
    expect(parseOverlayPrefs(stored)).toEqual({ ...DEFAULT_OVERLAY_PREFS, ...stored });
  });

  it("keep every valid field and reset only a damaged one", () => {
    const prefs = parseOverlayPrefs({ corner: "middle", collapsed: true, layer: "clicks", opacity: 7, mode: 3 });
    expect(prefs).toEqual({ ...DEFAULT_OVERLAY_PREFS, collapsed: true, layer: "clicks" });
    expect(parseOverlayPrefs("not an object")).toEqual(DEFAULT_OVERLAY_PREFS);
    expect(parseOverlayPrefs({ corner: "top-left", scrollMap: true })).toMatchObject({
      corner: "top-left",
      scrollMap: true,
    });
  });
});
