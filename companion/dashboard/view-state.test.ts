import { describe, expect, it } from "vitest";
import { parseShareUrl, shareUrl } from "../../protocol/share-link";
import { exportName, readState, shareViewOf, spanOf, timeLabel, type ViewState, writeState } from "./view-state";

const facts = {
  windowsMs: [10_000, 60_000, 300_000],
  defaultWindowMs: 300_000,
  bands: [{ id: "phone" }, { id: "tablet" }, { id: "desktop" }, { id: "wide" }],
};
const page = { origin: "https://shop.example", path: "/product/42" };

describe("dashboard view state", () => {
  it("reads back every view it writes", () => {
    const views: ViewState[] = [
      { page: null, band: null, layer: "document", time: { kind: "window", ms: 300_000 } },
      { page, band: "phone", layer: "fixed", time: { kind: "window", ms: 10_000 } },
      { page, band: null, layer: "document", time: { kind: "hour" } },
      { page, band: "wide", layer: "fixed", time: { kind: "today" } },
      {
        page: { origin: "", path: "/old" },
        band: "desktop",
        layer: "document",
        time: { kind: "range", from: 1_795_000_000_000, to: 1_795_003_600_000 },
      },
    ];
    for (const view of views) expect(readState(writeState(view), facts)).toEqual({ state: view, problems: [] });
  });

  it("keeps the default for what it cannot use, and says why", () => {
    const { state, problems } = readState("?origin=x&path=nope&band=watch&layer=top&window=5", facts);
    expect(state).toEqual({ page: null, band: null, layer: "document", time: { kind: "window", ms: 300_000 } });
    expect(problems).toEqual([
      "path must start with /",
      "band must be one of phone, tablet, desktop, wide",
      "layer must be document or fixed",
      "window must be one of 10000, 60000, 300000 (ms)",
    ]);
    expect(readState("?from=2026-11-29T10:00:00Z&to=2026-11-29T09:00:00Z", facts).problems).toEqual([
      "from and to must be ISO 8601 times, from before to",
    ]);
  });

  it("reads the last hour and today at the moment asked", () => {
    const now = new Date(2026, 10, 29, 15, 30).getTime();
    expect(spanOf({ kind: "hour" }, now)).toEqual({ from: now - 3_600_000, to: now });
    expect(spanOf({ kind: "today" }, now)).toEqual({ from: new Date(2026, 10, 29).getTime(), to: now });
    expect(spanOf({ kind: "window", ms: 10_000 }, now)).toBeNull();
  });

  it("names the site, page, band, window or range and time in labels and file names", () => {
    const at = Date.UTC(2026, 10, 29, 22, 10, 5);
    expect(exportName(page, "desktop", "document", { kind: "window", ms: 600_000 }, at)).toBe(
      "heatlens-shop-example-product-42-desktop-600s-20261129T221005Z",
    );
    const range = { kind: "range", from: Date.UTC(2026, 10, 29, 21), to: Date.UTC(2026, 10, 29, 22) } as const;
    expect(exportName(page, "phone", "fixed", range, at)).toBe(
      "heatlens-shop-example-product-42-phone-fixed-20261129T210000Z-20261129T220000Z-20261129T221005Z",
    );
    expect(timeLabel(range)).toBe("2026-11-29 21:00 – 2026-11-29 22:00 UTC");
    expect(timeLabel({ kind: "window", ms: 10_000 })).toBe("last 10 s");
  });

  it("links the view shown: the shown band, a relative range fixed at the copy, and a link the dashboard reads as the same view", () => {
    const now = Date.parse("2026-11-29T22:10:00Z");
    const live: ViewState = { page, band: null, layer: "fixed", time: { kind: "window", ms: 60_000 } };
    const view = shareViewOf(live, "desktop", now);
    expect(view).toEqual({ ...page, band: "desktop", layer: "fixed", time: live.time, points: null, mode: null });
    const link = shareUrl("http://127.0.0.1:8787", view as NonNullable<typeof view>);
    expect(parseShareUrl(link)).toEqual({ ok: true, view });
    expect(readState(new URL(link).search, facts)).toEqual({
      state: { page, band: "desktop", layer: "fixed", time: live.time },
      problems: [],
    });
    expect(shareViewOf({ ...live, time: { kind: "hour" } }, "phone", now)?.time).toEqual({
      kind: "range",
      from: now - 3_600_000,
      to: now,
    });
    expect(shareViewOf({ ...live, page: { origin: "", path: "/old" } }, "phone", now)).toBeNull();
  });
});
