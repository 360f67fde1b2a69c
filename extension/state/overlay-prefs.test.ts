import "../testing/install-fake-browser";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeBrowser } from "../testing/fake-browser";
import {
  DEFAULT_OVERLAY_PREFS,
  loadOverlayPrefs,
  type OverlayPrefs,
  onOverlayPrefsChanged,
  saveOverlayPrefs,
} from "./overlay-prefs";

describe("overlay prefs", () => {
  beforeEach(() => fakeBrowser.reset());

  it("start with heat on elements, both layers, no scroll map and the panel open in the bottom-right corner", async () => {
    expect(await loadOverlayPrefs()).toEqual(DEFAULT_OVERLAY_PREFS);
    expect(DEFAULT_OVERLAY_PREFS).toMatchObject({
      mode: "elements",
      layer: "both",
      scrollMap: false,
      corner: "bottom-right",
      collapsed: false,
    });
  });

  it("keep what an older version stored (a chosen page-grid mode stays chosen)", async () => {
    const older = { mode: "tiles", scale: "log", opacity: 0.5, windowMs: 60_000 };
    await fakeBrowser.storage.local.set({ overlayPrefs: older });
    expect(await loadOverlayPrefs()).toEqual({ ...DEFAULT_OVERLAY_PREFS, ...older });
  });

  it("keep every valid field and reset only a damaged one", async () => {
    await fakeBrowser.storage.local.set({
      overlayPrefs: { corner: "middle", collapsed: true, layer: "clicks", opacity: 7, mode: 3 },
    });
    expect(await loadOverlayPrefs()).toEqual({ ...DEFAULT_OVERLAY_PREFS, collapsed: true, layer: "clicks" });
    await fakeBrowser.storage.local.set({ overlayPrefs: "not an object" });
    expect(await loadOverlayPrefs()).toEqual(DEFAULT_OVERLAY_PREFS);
  });

  it("save the panel's corner, fold, layer and scroll map, tell every tab, and refuse what is not a choice", async () => {
    const heard: OverlayPrefs[] = [];
    const controller = new AbortController();
    onOverlayPrefsChanged((prefs) => heard.push(prefs), controller.signal);
    await saveOverlayPrefs({ corner: "top-left", collapsed: true });
    await saveOverlayPrefs({ layer: "clicks", scrollMap: true });
    const expected = {
      ...DEFAULT_OVERLAY_PREFS,
      corner: "top-left",
      collapsed: true,
      layer: "clicks",
      scrollMap: true,
    };
    expect(await loadOverlayPrefs()).toEqual(expected);
    expect(heard.at(-1)).toEqual(expected);
    await expect(saveOverlayPrefs({ corner: "centre" as OverlayPrefs["corner"] })).rejects.toThrow();
    expect((await loadOverlayPrefs()).corner).toBe("top-left");
    controller.abort();
  });
});
