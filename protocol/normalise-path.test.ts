import { describe, expect, it } from "vitest";
import { splitSideKey } from "./anchor";
import { createPathNormaliser } from "./normalise-path";
import { makeKey } from "./page-key";

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
  });
});
