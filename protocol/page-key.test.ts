import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCanonicalOrigin, makeKey, normaliseOrigin, splitKey } from "./page-key";
import { requestId, SubscriptionRequest } from "./subscription";

describe("normaliseOrigin", () => {
  it("writes an origin as location.origin does: lowercase, default port elided", () => {
    expect(normaliseOrigin("HTTP://LocalHost:80")).toBe("http://localhost");
    expect(normaliseOrigin("https://shop.example:443/")).toBe("https://shop.example");
    expect(normaliseOrigin("http://127.0.0.1:8787")).toBe("http://127.0.0.1:8787");
    expect(normaliseOrigin("http://[::1]:8787")).toBe("http://[::1]:8787");
  });

  it("refuses what is not a site: other schemes, paths, credentials, queries, bare words", () => {
    for (const bad of ["ftp://x", "http://x/a", "http://u:p@x", "http://x?q", "http://x#f", "localhost", "null", ""]) {
      expect(normaliseOrigin(bad)).toBeNull();
    }
    expect(isCanonicalOrigin("HTTP://x")).toBe(false);
    expect(isCanonicalOrigin("http://x")).toBe(true);
  });

  it("tells canonical origins alike whatever was asked before (it remembers the last one found canonical)", () => {
    for (const [origin, canonical] of [
      ["", false],
      ["http://x", true],
      ["http://x", true],
      ["http://x/", false],
      ["", false],
      ["https://y:8443", true],
      ["HTTPS://y:8443", false],
      ["https://y:8443", true],
    ] as const) {
      expect(isCanonicalOrigin(origin)).toBe(canonical);
    }
  });
});

describe("page keys", () => {
  const site = fc.constantFrom("", "http://127.0.0.1:8787", "https://shop.example", "http://[::1]:3000");
  const path = fc.array(fc.string(), { maxLength: 4 }).map((parts) => `/${parts.join("/")}`);
  const band = fc.constantFrom("phone", "desktop", "w0");

  it("splits back into the band, origin and path it was made of", () => {
    fc.assert(
      fc.property(band, site, path, (b, o, p) => {
        expect(splitKey(makeKey(b, o, p))).toEqual({ band: b, origin: o, path: p });
      }),
    );
  });

  it("gives two sites' same path two keys, and the empty origin the keys stored before sites were keyed", () => {
    expect(makeKey("desktop", "http://127.0.0.1:8787", "/")).not.toBe(makeKey("desktop", "http://localhost:8787", "/"));
    expect(makeKey("desktop", "", "/demo")).toBe("desktop|/demo");
  });
});

describe("subscription requests", () => {
  it("identifies a request by every field, columns included", () => {
    const base = SubscriptionRequest.parse({ origin: "http://a.test", path: "/", width: 1280, windowMs: 10_000 });
    expect(requestId(base)).toBe(requestId({ windowMs: 10_000, width: 1280, path: "/", origin: "http://a.test" }));
    expect(requestId({ ...base, cols: 10 })).not.toBe(requestId(base));
    expect(requestId({ ...base, origin: "http://b.test" })).not.toBe(requestId(base));
    expect(requestId({ ...base, width: 1366 })).not.toBe(requestId(base));
  });
});
