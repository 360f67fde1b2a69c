import { describe, expect, it } from "vitest";
import { parseShareUrl, shareUrl } from "../../protocol/share-link";
import { linkedPrefs, shownShareView } from "./linked-view";

describe("the overlay's share links", () => {
  const shown = {
    origin: "http://127.0.0.1:8787",
    path: "/demo/",
    band: "desktop",
    prefs: { mode: "smooth" as const, layer: "moves" as const },
    range: null,
    windowMs: 300_000,
  };

  it("link the live view on screen, and a past range instead of the window while one is shown", () => {
    const live = shownShareView(shown);
    expect(live).toEqual({
      origin: shown.origin,
      path: "/demo/",
      band: "desktop",
      time: { kind: "window", ms: 300_000 },
      layer: "document",
      points: "moves",
      mode: "smooth",
    });
    expect(shownShareView({ ...shown, range: { from: 10, to: 20 } }).time).toEqual({ kind: "range", from: 10, to: 20 });
    // What the link names comes back as the prefs that show it.
    const parsed = parseShareUrl(shareUrl("ws://127.0.0.1:8787", live));
    expect(parsed.ok && linkedPrefs(parsed.view)).toEqual({ mode: "smooth", layer: "moves", windowMs: 300_000 });
  });

  it("leave the viewer's own prefs where the link names none, and the window for a past range", () => {
    const view = { ...shownShareView({ ...shown, range: { from: 10, to: 20 } }), mode: null, points: null };
    expect(linkedPrefs(view)).toEqual({});
  });

  it("link the tester and the comparison on screen, and only when on", () => {
    const compare = {
      a: { kind: "tester", label: "ana" },
      b: { kind: "rest", label: "ana" },
      aSpan: { kind: "all" },
      bSpan: { kind: "all" },
    } as const;
    const on = shownShareView({ ...shown, tester: "ana", compare });
    expect(parseShareUrl(shareUrl("ws://127.0.0.1:8787", on))).toEqual({
      ok: true,
      view: { ...shownShareView(shown), tester: "ana", compare },
    });
    const off = shownShareView({ ...shown, tester: null, compare: null });
    expect("tester" in off || "compare" in off).toBe(false);
  });
});
