import { describe, expect, it } from "vitest";
import { createPathNormaliser } from "../../companion/src/key/normalise-path";
import { pageKeyPath } from "./page-path";

const key = (href: string) => pageKeyPath(new URL(href, "http://shop.test"));

describe("pageKeyPath", () => {
  it("keeps the path and drops the query and in-page anchors", () => {
    expect(key("/demo/?tab=A")).toBe("/demo/");
    expect(key("/demo/product/1#reviews")).toBe("/demo/product/1");
    expect(key("/")).toBe("/");
  });

  it("turns hash routes into path segments behind an encoded #", () => {
    expect(key("/spa/#/cart")).toBe("/spa/%23/cart");
    expect(key("/spa#/cart/items/?x=1")).toBe("/spa/%23/cart/items");
    expect(key("/spa/#!/cart")).toBe("/spa/%23!/cart");
    expect(key("/#/cart")).toBe("/%23/cart");
    expect(key("/spa/#/")).toBe("/spa/");
  });

  it("gives paths the companion keys apart and never cuts at the route", () => {
    const normalise = createPathNormaliser();
    expect(normalise(key("/spa/#/cart"))).toBe("/spa/#/cart");
    expect(normalise(key("/spa/#/"))).toBe("/spa");
    expect(normalise(key("/spa/#cart"))).toBe("/spa");
  });

  it("sends only the query parameters the companion keeps", () => {
    const url = new URL("http://shop.test/search/?q=lamp&tab=2&utm=x");
    expect(pageKeyPath(url)).toBe("/search/");
    expect(pageKeyPath(url, ["tab", "q"])).toBe("/search/?q=lamp&tab=2");
    expect(createPathNormaliser({ keepQuery: ["tab", "q"] })(pageKeyPath(url, ["tab", "q"]))).toBe(
      "/search?q=lamp&tab=2",
    );
  });
});
