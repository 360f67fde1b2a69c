// @vitest-environment happy-dom
import { afterEach, describe, expect, test } from "vitest";
import { boxReach, largestScrollContainer, reachPercent, stepsCrossed } from "./scroll";

/** happy-dom lays nothing out: give an element the sizes a browser would. */
function sizes(
  el: Element,
  values: Partial<Record<"scrollHeight" | "clientHeight" | "clientWidth" | "scrollTop", number>>,
) {
  for (const [name, value] of Object.entries(values)) Object.defineProperty(el, name, { value, configurable: true });
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("reach", () => {
  test("the share above the bottom edge; the end counts within a pixel; no height is all seen", () => {
    expect(reachPercent(500, 2000)).toBe(25);
    expect(reachPercent(1999.5, 2000)).toBe(100);
    expect(reachPercent(3000, 2000)).toBe(100);
    expect(reachPercent(100, 0)).toBe(100);
  });

  test("a container's reach is its visible bottom against its content", () => {
    const box = document.createElement("div");
    sizes(box, { scrollTop: 300, clientHeight: 200, scrollHeight: 1000 });
    expect(boxReach(box)).toBe(50);
  });

  test("steps crossed: every multiple of 5 above the last one reached, up to the reach", () => {
    expect(stepsCrossed(0, 12.4)).toEqual([5, 10]);
    expect(stepsCrossed(10, 14.9)).toEqual([]);
    expect(stepsCrossed(10, 25)).toEqual([15, 20, 25]);
    expect(stepsCrossed(0, 100)).toHaveLength(20);
    expect(stepsCrossed(100, 100)).toEqual([]);
  });
});

describe("largestScrollContainer", () => {
  test("the scrolling element with the largest visible area; not one that fits or does not scroll", () => {
    document.body.innerHTML = `
      <div id="small" style="overflow-y: auto"></div>
      <div id="large" style="overflow-y: scroll"></div>
      <div id="fits" style="overflow-y: auto"></div>
      <div id="clipped" style="overflow: hidden"></div>`;
    const byId = (id: string) => document.getElementById(id) as Element;
    sizes(byId("small"), { clientWidth: 200, clientHeight: 200, scrollHeight: 900 });
    sizes(byId("large"), { clientWidth: 600, clientHeight: 400, scrollHeight: 1200 });
    sizes(byId("fits"), { clientWidth: 1000, clientHeight: 700, scrollHeight: 700 });
    sizes(byId("clipped"), { clientWidth: 1000, clientHeight: 700, scrollHeight: 3000 });
    expect(largestScrollContainer(document)).toBe(byId("large"));
  });

  test("none on a page without one", () => {
    document.body.innerHTML = "<p>text</p>";
    expect(largestScrollContainer(document)).toBeNull();
  });
});
