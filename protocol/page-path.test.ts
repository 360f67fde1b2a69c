import { describe, expect, it } from "vitest";
import { createPathNormaliser } from "./normalise-path";
import { pageKeyPath, pageUrlPath, samePagePath, sentPath } from "./page-path";

/** A page whose only elements with an id are `#reviews` and `#section`, and whose only `<a name>` is `#old-anchor`. */
const inPage = (name: string) => ["reviews", "section", "old-anchor", "née"].includes(name);
const key = (href: string) => pageKeyPath(new URL(href, "http://shop.test"), inPage);

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
    expect(normalise(key("/spa/#reviews"))).toBe("/spa");
    expect(normalise(key("/spa/#green"))).toBe("/spa/#green");
  });

  it("keeps a fragment that names no element as a route, and drops one that names an element", () => {
    expect(key("/spa/#green")).toBe("/spa/%23green");
    expect(key("/spa/index.html#green")).toBe("/spa/index.html/%23green");
    expect(key("/#green?x=1")).toBe("/%23green");
    expect(key("/spa/#section")).toBe("/spa/");
    expect(key("/spa/#old-anchor")).toBe("/spa/");
    expect(key("/spa/#n%C3%A9e")).toBe("/spa/");
    expect(key("/spa/#top")).toBe("/spa/");
    expect(key("/spa/#")).toBe("/spa/");
    expect(key("/spa/#a%2Fb c")).toBe("/spa/%23a%2Fb%20c");
  });

  it("asks the page about the fragment's name, decoded", () => {
    const asked: string[] = [];
    pageKeyPath(new URL("http://shop.test/#caf%C3%A9"), (name) => {
      asked.push(name);
      return false;
    });
    expect(asked).toContain("café");
  });

  it("sends only the query parameters the companion keeps", () => {
    const url = new URL("http://shop.test/search/?q=lamp&tab=2&utm=x");
    expect(pageKeyPath(url, inPage)).toBe("/search/");
    expect(pageKeyPath(url, inPage, ["tab", "q"])).toBe("/search/?q=lamp&tab=2");
    expect(pageKeyPath(new URL("http://shop.test/search/?tab=2#green"), inPage, ["tab"])).toBe(
      "/search/%23green?tab=2",
    );
    expect(createPathNormaliser({ keepQuery: ["tab", "q"] })(pageKeyPath(url, inPage, ["tab", "q"]))).toBe(
      "/search?q=lamp&tab=2",
    );
  });
});

describe("a key's path, sent back and opened", () => {
  it("sends a route's # segment encoded, whatever else the path holds", () => {
    expect(sentPath("/demo/views/#green")).toBe("/demo/views/%23green");
    expect(sentPath("/app/#/cart?tab=1")).toBe("/app/%23/cart?tab=1");
    expect(sentPath("/a%2Fb/100%25")).toBe("/a%2Fb/100%25");
    expect(sentPath("/x?q=/#y")).toBe("/x?q=/#y");
  });

  it("opens a route as the fragment it was, behind the query a key keeps", () => {
    expect(pageUrlPath("/demo/views/%23green")).toBe("/demo/views#green");
    expect(pageUrlPath("/demo/views/#green")).toBe("/demo/views#green");
    expect(pageUrlPath("/app/%23/cart?tab=1")).toBe("/app?tab=1#/cart");
    expect(pageUrlPath("/%23!/a/b")).toBe("/#!/a/b");
    expect(pageUrlPath("/shop")).toBe("/shop");
    expect(pageUrlPath("/demo/?tab=A")).toBe("/demo/?tab=A");
  });

  it("opens the page the path was taken from: keyed again, it is the same page", () => {
    for (const href of ["/spa/#/cart", "/spa#!/a/b", "/demo/views#green", "/shop/", "/caf%C3%A9/x", "/a%2Fb"]) {
      const url = new URL(href, "http://shop.test");
      const path = key(href);
      expect(samePagePath(key(pageUrlPath(path)), path)).toBe(true);
      expect(samePagePath(pageKeyPath(url, inPage), path)).toBe(true);
    }
  });

  it("takes trailing slashes, encodings and both route spellings for one page, and tells routes and pages apart", () => {
    expect(samePagePath("/shop/", "/shop")).toBe(true);
    expect(samePagePath("/demo/views/%23green", "/demo/views/#green")).toBe(true);
    expect(samePagePath("/caf%C3%A9", "/café")).toBe(true);
    expect(samePagePath("/spa/%23/cart", "/spa")).toBe(false);
    expect(samePagePath("/a%2Fb", "/a/b")).toBe(false);
  });
});
