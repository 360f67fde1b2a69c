import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CompareSet } from "./compare";
import {
  companionHttpBase,
  parseIsoTime,
  parseShareUrl,
  SHARE_MODES,
  SHARE_POINTS,
  type ShareSpan,
  type ShareView,
  shareUrl,
} from "./share-link";

const view: ShareView = {
  origin: "https://shop.example",
  path: "/checkout",
  band: "desktop",
  time: { kind: "window", ms: 600_000 },
  layer: "document",
  points: null,
  mode: null,
};

describe("share links", () => {
  it("are written on the companion's HTTP origin at /share and read back as the same view", () => {
    const url = shareUrl("ws://127.0.0.1:8787/ws", view);
    expect(url).toBe(
      "http://127.0.0.1:8787/share?origin=https%3A%2F%2Fshop.example&path=%2Fcheckout&band=desktop&window=600000",
    );
    expect(parseShareUrl(url)).toEqual({ ok: true, view });
    expect(companionHttpBase("wss://heat.team.example")).toBe("https://heat.team.example");
  });

  it("round-trip any view: window or range, layer, points and mode, a tester, a comparison with or without each side's span", () => {
    const label = fc.constantFrom("ana", "bo b", "1.2.3", "Ωmega", "x".repeat(64));
    const set = fc.oneof(
      fc.constant<CompareSet>({ kind: "all" }),
      fc.record({ kind: fc.constantFrom("build" as const, "tester" as const, "rest" as const), label }),
    );
    const span = fc.option(
      fc.oneof(
        fc.constant<ShareSpan>({ kind: "all" }),
        fc
          .tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 1e10 }))
          .map(([from, span]): ShareSpan => ({ kind: "range", from, to: from + span })),
      ),
    );
    const arbitraryView = fc.record<ShareView>(
      {
        origin: fc.constantFrom("https://shop.example", "http://127.0.0.1:8080", "http://[::1]:3000"),
        path: fc.string({ maxLength: 40 }).map((rest) => `/${rest}`),
        band: fc.option(fc.constantFrom("phone", "tablet", "desktop", "wide")),
        time: fc.oneof(
          fc.integer({ min: 1, max: 86_400_000 }).map((ms) => ({ kind: "window" as const, ms })),
          fc
            .tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 1e10 }))
            .map(([from, span]) => ({ kind: "range" as const, from, to: from + span })),
        ),
        layer: fc.constantFrom("document" as const, "fixed" as const),
        points: fc.option(fc.constantFrom(...SHARE_POINTS)),
        mode: fc.option(fc.constantFrom(...SHARE_MODES)),
        tester: label,
        compare: fc.record({ a: set, b: set, aSpan: span, bSpan: span }),
      },
      { requiredKeys: ["origin", "path", "band", "time", "layer", "points", "mode"] },
    );
    fc.assert(
      fc.property(arbitraryView, (v) => {
        expect(parseShareUrl(shareUrl("http://localhost:8787", v))).toEqual({ ok: true, view: v });
      }),
    );
  });

  it("carry a tester and a comparison under the dashboard's own names", () => {
    const withCompare: ShareView = {
      ...view,
      tester: "ana",
      compare: {
        a: { kind: "tester", label: "ana" },
        b: { kind: "rest", label: "ana" },
        aSpan: { kind: "all" },
        bSpan: { kind: "range", from: Date.UTC(2026, 10, 30, 9), to: Date.UTC(2026, 10, 30, 10) },
      },
    };
    const url = shareUrl("http://127.0.0.1:8787", withCompare);
    const query = new URL(url).searchParams;
    expect([...query.entries()].slice(4)).toEqual([
      ["tester", "ana"],
      ["a", "tester:ana"],
      ["b", "rest:ana"],
      ["aTime", "all"],
      ["bTime", "2026-11-30T09:00:00.000Z/2026-11-30T10:00:00.000Z"],
    ]);
    expect(parseShareUrl(url)).toEqual({ ok: true, view: withCompare });
    // A link without them names neither.
    const plain = parseShareUrl(shareUrl("http://127.0.0.1:8787", view));
    expect(plain.ok && ["tester", "compare"].filter((key) => key in plain.view)).toEqual([]);
  });

  it("never carry a token, and a link with one is refused", () => {
    const url = shareUrl("ws://127.0.0.1:8787", view);
    expect(url).not.toMatch(/token/i);
    expect(parseShareUrl(`${url}&token=secret`)).toEqual({
      ok: false,
      code: "E_SHARE_LINK",
      reason: "a share link carries no token: the viewer's own applies",
    });
  });

  it("refuse each unusable part with E_SHARE_LINK and the reason", () => {
    const base = "http://c/share?origin=https%3A%2F%2Fshop.example&path=%2Fa";
    const cases: [string, RegExp][] = [
      ["http://c/dashboard?origin=x", /path is \/share/],
      ["http://c/share?path=%2Fa&window=1000", /origin must be/],
      ["http://c/share?origin=https%3A%2F%2Fshop.example%2Fx&path=%2Fa&window=1000", /origin must be/],
      ["http://c/share?origin=https%3A%2F%2Fshop.example&path=a&window=1000", /path must start with \//],
      [`${base}`, /a window \(ms\) or a range/],
      [`${base}&window=-5`, /window must be a positive/],
      [`${base}&window=1000&from=2026-01-01T00:00:00Z`, /not both/],
      [`${base}&from=yesterday&to=2026-01-01T00:00:00Z`, /ISO 8601/],
      [`${base}&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, /to must be after from/],
      [`${base}&window=1000&band=Desk top`, /band must be/],
      [`${base}&window=1000&layer=top`, /layer must be document or fixed/],
      [`${base}&window=1000&points=scrolls`, /points must be one of moves, clicks, both/],
      [`${base}&window=1000&mode=blur`, /mode must be one of elements, tiles, smooth/],
      [`${base}&window=1000&tester=%20ana`, /tester must be a tester's name/],
      [`${base}&window=1000&tester=`, /tester must be a tester's name/],
      [`${base}&window=1000&a=tester:ana`, /a comparison needs both a and b/],
      [`${base}&window=1000&aTime=all`, /a comparison needs both a and b/],
      [`${base}&window=1000&a=tester:ana&b=everyone`, /b: a set is all, build:<label>, tester:<name> or rest:<name>/],
      [`${base}&window=1000&a=tester:&b=all`, /a: tester: /],
      [`${base}&window=1000&a=all&b=all&bTime=yesterday`, /bTime must be all or <from>\/<to>/],
      [
        `${base}&window=1000&a=all&b=all&aTime=2026-01-02T00:00:00Z/2026-01-01T00:00:00Z`,
        /aTime must be all or <from>\/<to> \(ISO 8601, from before to\)/,
      ],
    ];
    for (const [url, reason] of cases) {
      const parsed = parseShareUrl(url);
      expect(parsed.ok, url).toBe(false);
      if (!parsed.ok) {
        expect(parsed.code).toBe("E_SHARE_LINK");
        expect(parsed.reason, url).toMatch(reason);
      }
    }
  });
});

describe("ISO 8601 times", () => {
  it("reads a date, or a date and time with or without seconds, fraction and zone", () => {
    expect(parseIsoTime("2026-12-02")).toBe(Date.UTC(2026, 11, 2));
    expect(parseIsoTime("2026-12-02T10:30:00Z")).toBe(Date.UTC(2026, 11, 2, 10, 30));
    expect(parseIsoTime("2026-12-02T10:30:00.250+01:00")).toBe(Date.UTC(2026, 11, 2, 9, 30, 0, 250));
    expect(Number.isFinite(parseIsoTime("2026-12-02T10:30"))).toBe(true);
  });

  it("refuses what Date.parse alone would read as some time", () => {
    for (const text of ["-1", "1 2", " 5", "0.5", "2001", "Tue Dec 02 2026", "2026-12-02 10:30", "2026-13-45", ""]) {
      expect(parseIsoTime(text), text).toBeNaN();
    }
  });
});
