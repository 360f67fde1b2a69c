// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { PALETTE } from "./renderer";
import { reachGradient, reachLabel, reachShare } from "./scroll-map";

/** 10 views: all reached 5–20 %, 8 reached 25–50 %, 2 reached 55–100 %. */
const REACH = [10, 10, 10, 10, 8, 8, 8, 8, 8, 8, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];

describe("scroll map", () => {
  it("gives the share of views that reached each depth: all at the top, each step's count between steps", () => {
    expect(reachShare(REACH, 10, 0)).toBe(1);
    expect(reachShare(REACH, 10, 20)).toBe(1);
    expect(reachShare(REACH, 10, 25)).toBe(0.8);
    expect(reachShare(REACH, 10, 52.5)).toBeCloseTo(0.5);
    expect(reachShare(REACH, 10, 100)).toBe(0.2);
    // Past the ends: the ends.
    expect(reachShare(REACH, 10, 130)).toBe(0.2);
    expect(reachShare(REACH, 10, -5)).toBe(1);
    // Steps the summary does not list were reached by no view.
    expect(reachShare([4], 4, 10)).toBe(0);
    expect(reachShare([4], 4, 7.5)).toBe(0.5);
    expect(reachShare([], 0, 10)).toBeNull();
  });

  it("colours the strip beside each depth of the content, moving with the scroll position", () => {
    const top = reachGradient(REACH, 10, 0, 2000);
    expect(top.startsWith("linear-gradient(to bottom, ")).toBe(true);
    const stops = top.match(/-?\d+px/g);
    expect(stops).toHaveLength(21);
    expect(stops?.[0]).toBe("0px");
    expect(stops?.[20]).toBe("2000px");
    // The hottest colour where every view reached, the coldest level at a depth no view reached.
    const hottest = (PALETTE[PALETTE.length - 1] as string).replace(/[\d.]+\)$/, "0.9)");
    expect(top).toContain(`${hottest} 0px`);
    expect(reachGradient([], 3, 0, 1000)).toContain(`${(PALETTE[0] as string).replace(/[\d.]+\)$/, "0.9)")} 50px`);
    // Scrolled down 500 px: the top of the document is 500 px above the strip.
    const scrolled = reachGradient(REACH, 10, 500, 2000).match(/-?\d+px/g);
    expect(scrolled?.[0]).toBe("-500px");
    expect(scrolled?.[20]).toBe("1500px");
  });

  it("writes the share at the cursor's depth", () => {
    expect(reachLabel(0.62)).toBe("62% of views reached here");
    expect(reachLabel(0.004)).toBe("0.4% of views reached here");
  });
});
