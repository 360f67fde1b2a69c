import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { browserName, RecentKeys } from "./testers";

describe("browserName", () => {
  it("reduces a User-Agent to the browser and its major version", () => {
    const cases: [string, string][] = [
      [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Chrome 131",
      ],
      [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36",
        "Chrome 131",
      ],
      ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128"],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.80",
        "Edge 130",
      ],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        "Safari 17",
      ],
      ["curl/8.5.0", "curl/8.5.0"],
      ["", ""],
    ];
    for (const [ua, name] of cases) expect(browserName(ua)).toBe(name);
    expect(browserName(undefined)).toBe("");
  });
});

describe("RecentKeys", () => {
  it("keeps the keys sent for within its period, the most recent last", () => {
    const recent = new RecentKeys(30_000);
    recent.touch(["a", "b"], 0);
    recent.touch(["a"], 20_000);
    expect(recent.keys(25_000)).toEqual(["b", "a"]);
    expect(recent.keys(30_001)).toEqual(["a"]);
    expect(recent.keys(50_001)).toEqual([]);
  });

  it("keeps a key sent for many times a second until its period after the last, to within a second", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 50 }), (gaps) => {
        const recent = new RecentKeys(30_000);
        let last = 0;
        for (const gap of gaps) {
          last += gap;
          recent.touch(["a"], last);
        }
        expect(recent.keys(last + 29_000)).toEqual(["a"]);
        expect(recent.keys(last + 30_001)).toEqual([]);
      }),
    );
  });
});
