import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitSideKey } from "./anchor";
import { createPathNormaliser } from "./normalise-path";
import { makeKey } from "./page-key";
import { pageKeyPath, sentPath } from "./page-path";

describe("createPathNormaliser", () => {
  const normalise = createPathNormaliser();

  it("drops query and fragment, empty and dot segments, and the trailing slash", () => {
    expect(normalise("/shop/item/?q=1#top")).toBe("/shop/item");
    expect(normalise("//shop/./a/../item")).toBe("/shop/item");
    expect(normalise("/")).toBe("/");
    expect(normalise("/caf%C3%A9")).toBe("/café");
    expect(normalise("/bad%E0%A4%A")).toBe("/bad%E0%A4%A");
  });

  it("keeps control characters encoded, so that no page key looks like a side key", () => {
    expect(normalise("/p%01aevil")).toBe("/p%01aevil");
    expect(normalise("/p\u0001l/x%7F")).toBe("/p%01l/x%7F");
    expect(splitSideKey(makeKey("desktop", "https://a.test", normalise("/p%01a#sel")))).toBeNull();
  });

  it("folds pages into templates and keeps allowlisted query parameters", () => {
    const n = createPathNormaliser({ templates: ["/product/:id", "/docs/*"], keepQuery: ["tab"] });
    expect(n("/product/42")).toBe("/product/:id");
    expect(n("/product/42/reviews")).toBe("/product/42/reviews");
    expect(n("/docs/a/b/c")).toBe("/docs/*");
    expect(n("/account?utm=x&tab=orders")).toBe("/account?tab=orders");
    // A `*` before the end is one segment.
    const mid = createPathNormaliser({ templates: ["/team/*/settings"], keepQuery: [] });
    expect(mid("/team/red/settings")).toBe("/team/*/settings");
    expect(mid("/team/red/blue/settings")).toBe("/team/red/blue/settings");
    expect(mid("/team/red")).toBe("/team/red");
  });

  it("keeps apart what would read otherwise once the key is sent back: %, / and ? in a segment, and # but a route's", () => {
    expect(normalise("/a%2Fb")).toBe("/a%2Fb");
    expect(normalise("/a/b")).toBe("/a/b");
    expect(normalise("/100%25/%2541")).toBe("/100%25/%2541");
    expect(normalise("/search/what%3F")).toBe("/search/what%3F");
    expect(normalise("/spa/%23/cart")).toBe("/spa/#/cart");
    expect(normalise("/spa/%23green")).toBe("/spa/#green");
    expect(normalise("/x/%23a%23b")).toBe("/x/#a%23b");
    expect(normalise("/caf%C3%A9/%E2%9C%93")).toBe("/café/✓");
  });

  it("names the same page again from a key's path, for any URL the extension keys", () => {
    const n = createPathNormaliser({ keepQuery: ["tab", "q"] });
    const segment = fc.oneof(
      fc.constantFrom(
        "a",
        "%2F",
        "%25",
        "%2541",
        "%3F",
        "%23",
        "#",
        "?",
        ".",
        "..",
        "",
        "caf%C3%A9",
        "%E0%A4%A",
        "x y",
      ),
      fc.string({ maxLength: 6 }),
    );
    const url = fc.record({
      segments: fc.array(segment, { maxLength: 5 }),
      slash: fc.boolean(),
      query: fc.constantFrom("", "?tab=1", "?q=a%2Fb&tab=2", "?x=1"),
      hash: fc.constantFrom("", "#/cart", "#!/a/b", "#green", "#reviews", "#top", "#/", "#%2F"),
    });
    fc.assert(
      fc.property(url, ({ segments, slash, query, hash }) => {
        const parsed = new URL(`http://shop.test/${segments.join("/")}${slash ? "/" : ""}${query}${hash}`);
        const key = n(pageKeyPath(parsed, (name) => name === "reviews", ["tab", "q"]));
        expect(n(sentPath(key))).toBe(key);
        // Without a route, the key's path needs no care at all.
        if (!key.includes("/#")) expect(n(key)).toBe(key);
      }),
      { numRuns: 2000 },
    );
  });
});
