import { describe, expect, it } from "vitest";
import { parseShareUrl, shareUrl } from "../../protocol/share-link";
import {
  compareParams,
  exportName,
  readState,
  shareViewOf,
  sideSpan,
  sideTimeLabel,
  spanOf,
  timeLabel,
  type ViewState,
  writeState,
} from "./view-state";

const facts = {
  windowsMs: [10_000, 60_000, 300_000],
  defaultWindowMs: 300_000,
  bands: [{ id: "phone" }, { id: "tablet" }, { id: "desktop" }, { id: "wide" }],
};
const page = { origin: "https://shop.example", path: "/product/42" };
const none = { tester: null, compare: null };

describe("dashboard view state", () => {
  it("reads back every view it writes", () => {
    const views: ViewState[] = [
      { page: null, band: null, layer: "document", time: { kind: "window", ms: 300_000 }, ...none },
      { page, band: "phone", layer: "fixed", time: { kind: "window", ms: 10_000 }, ...none },
      { page, band: null, layer: "document", time: { kind: "hour" }, ...none },
      { page, band: "wide", layer: "fixed", time: { kind: "today" }, ...none },
      {
        page: { origin: "", path: "/old" },
        band: "desktop",
        layer: "document",
        time: { kind: "range", from: 1_795_000_000_000, to: 1_795_003_600_000 },
        ...none,
      },
      { page, band: null, layer: "document", time: { kind: "hour" }, tester: "Ada Lovelace", compare: null },
      {
        page,
        band: "desktop",
        layer: "document",
        time: { kind: "window", ms: 60_000 },
        tester: "Ada",
        compare: {
          a: { kind: "rest", label: "Ada" },
          b: { kind: "tester", label: "Ada" },
          aTime: { kind: "view" },
          bTime: { kind: "view" },
        },
      },
      {
        page,
        band: null,
        layer: "fixed",
        time: { kind: "today" },
        ...none,
        compare: {
          a: { kind: "all" },
          b: { kind: "all" },
          aTime: { kind: "before", ms: 3_600_000 },
          bTime: { kind: "last", ms: 3_600_000 },
        },
      },
      {
        page,
        band: "phone",
        layer: "document",
        time: { kind: "hour" },
        ...none,
        compare: {
          a: { kind: "build", label: "1.4.0 (rc/1)" },
          b: { kind: "build", label: "a&b=c" },
          aTime: { kind: "range", from: 1_795_000_000_000, to: 1_795_003_600_000 },
          bTime: { kind: "view" },
        },
      },
    ];
    for (const view of views) expect(readState(writeState(view), facts)).toEqual({ state: view, problems: [] });
  });

  it("keeps the default for what it cannot use, and says why", () => {
    const { state, problems } = readState("?origin=x&path=nope&band=watch&layer=top&window=5", facts);
    expect(state).toEqual({
      page: null,
      band: null,
      layer: "document",
      time: { kind: "window", ms: 300_000 },
      ...none,
    });
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
    const live: ViewState = { page, band: null, layer: "fixed", time: { kind: "window", ms: 60_000 }, ...none };
    const view = shareViewOf(live, "desktop", now);
    expect(view).toEqual({ ...page, band: "desktop", layer: "fixed", time: live.time, points: null, mode: null });
    const link = shareUrl("http://127.0.0.1:8787", view as NonNullable<typeof view>);
    expect(parseShareUrl(link)).toEqual({ ok: true, view });
    expect(readState(new URL(link).search, facts)).toEqual({
      state: { page, band: "desktop", layer: "fixed", time: live.time, ...none },
      problems: [],
    });
    expect(shareViewOf({ ...live, time: { kind: "hour" } }, "phone", now)?.time).toEqual({
      kind: "range",
      from: now - 3_600_000,
      to: now,
    });
    expect(shareViewOf({ ...live, page: { origin: "", path: "/old" } }, "phone", now)).toBeNull();
  });

  it("links a tester and a comparison, relative sides fixed at the copy, and reads the link back as the same view", () => {
    const now = Date.parse("2026-11-29T22:10:00Z");
    const state: ViewState = {
      page,
      band: "desktop",
      layer: "document",
      time: { kind: "window", ms: 60_000 },
      tester: "ana",
      compare: {
        a: { kind: "tester", label: "ana" },
        b: { kind: "rest", label: "ana" },
        aTime: { kind: "before", ms: 3_600_000 },
        bTime: { kind: "view" },
      },
    };
    const view = shareViewOf(state, "desktop", now) as NonNullable<ReturnType<typeof shareViewOf>>;
    expect(view.tester).toBe("ana");
    expect(view.compare).toEqual({
      a: state.compare?.a,
      b: state.compare?.b,
      aSpan: { kind: "range", from: now - 7_200_000, to: now - 3_600_000 },
      bSpan: null,
    });
    const link = shareUrl("http://127.0.0.1:8787", view);
    expect(parseShareUrl(link)).toEqual({ ok: true, view });
    const read = readState(new URL(link).search, facts);
    expect(read).toEqual({
      state: {
        ...state,
        compare: { ...state.compare, aTime: { kind: "range", from: now - 7_200_000, to: now - 3_600_000 } },
      },
      problems: [],
    });
    // Everything kept (the overlay's comparison without a range) reads as such, from 0 until now.
    const all = readState("?a=tester:ana&b=rest:ana&aTime=all&bTime=all", facts).state.compare;
    expect(all?.aTime).toEqual({ kind: "all" });
    expect(sideSpan({ kind: "all" }, state.time, now)).toEqual({ from: 0, to: now });
    expect(sideTimeLabel({ kind: "all" }, state.time)).toBe("all history kept");
  });

  it("drops a tester or a comparison it cannot use, and says why", () => {
    const read = (search: string) => readState(search, facts);
    expect(read("?tester=%20Ada").problems).toEqual([
      "tester must be a tester's name: 1–64 characters, no control characters, no spaces at either end",
    ]);
    expect(read("?tester=%20Ada").state.tester).toBeNull();
    expect(read("?a=all")).toMatchObject({ state: { compare: null }, problems: ["a comparison needs both a and b"] });
    expect(read("?a=all&b=team:x")).toMatchObject({
      state: { compare: null },
      problems: ["b: a set is all, build:<label>, tester:<name> or rest:<name>"],
    });
    // A side's unusable span falls back to the view's time; the comparison stays.
    const { state, problems } = read("?a=all&b=tester:Ada&aTime=last:-5&bTime=2026-11-29T10:00Z/2026-11-29T09:00Z");
    expect(state.compare).toEqual({
      a: { kind: "all" },
      b: { kind: "tester", label: "Ada" },
      aTime: { kind: "view" },
      bTime: { kind: "view" },
    });
    expect(problems).toEqual([
      "aTime must be last:<ms>, before:<ms>, all or <from>/<to> (ISO 8601, from before to)",
      "bTime must be last:<ms>, before:<ms>, all or <from>/<to> (ISO 8601, from before to)",
    ]);
  });

  it("asks the companion for each side's own span: the view's, the last hour, the hour before, a range", () => {
    const now = Date.parse("2026-11-29T22:00:00Z");
    const window = { kind: "window", ms: 60_000 } as const;
    expect(sideSpan({ kind: "view" }, window, now)).toEqual({ from: now - 60_000, to: now });
    expect(sideSpan({ kind: "view" }, { kind: "hour" }, now)).toEqual({ from: now - 3_600_000, to: now });
    expect(
      compareParams(
        {
          a: { kind: "rest", label: "Ada" },
          b: { kind: "tester", label: "Ada" },
          aTime: { kind: "before", ms: 3_600_000 },
          bTime: { kind: "last", ms: 3_600_000 },
        },
        window,
        now,
      ),
    ).toEqual({
      a: "rest:Ada",
      b: "tester:Ada",
      aFrom: String(now - 7_200_000),
      aTo: String(now - 3_600_000),
      bFrom: String(now - 3_600_000),
      bTo: String(now),
    });
    expect(sideTimeLabel({ kind: "before", ms: 3_600_000 }, window)).toBe("the hour before");
    expect(sideTimeLabel({ kind: "last", ms: 600_000 }, window)).toBe("last 10 min");
    expect(sideTimeLabel({ kind: "last", ms: 7_200_000 }, window)).toBe("last 2 h");
    expect(sideTimeLabel({ kind: "view" }, window)).toBe("last 1 min");
    expect(sideTimeLabel({ kind: "range", from: Date.UTC(2026, 10, 29, 21), to: now }, window)).toBe(
      "2026-11-29 21:00 – 2026-11-29 22:00 UTC",
    );
  });
});
