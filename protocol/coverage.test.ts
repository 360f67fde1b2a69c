import { describe, expect, it } from "vitest";
import { clickedLine, controlOf, coverageOf } from "./coverage";

describe("controlOf", () => {
  const controls = new Set(["#buy", "#menu", "#menu > li:nth-of-type(2)", "x-cart >>> button"]);

  it("gives an anchor that is a control itself", () => {
    expect(controlOf("#buy", controls)).toBe("#buy");
  });

  it("gives the innermost control an anchor's path goes down from, across shadow roots", () => {
    expect(controlOf("#buy > span", controls)).toBe("#buy");
    expect(controlOf("#menu > li:nth-of-type(2) > a", controls)).toBe("#menu > li:nth-of-type(2)");
    expect(controlOf("x-cart >>> button > svg", controls)).toBe("x-cart >>> button");
  });

  it("gives none for an anchor that only starts with the same characters", () => {
    expect(controlOf("#buyer", controls)).toBeNull();
    expect(controlOf(".card", controls)).toBeNull();
  });
});

describe("coverageOf", () => {
  it("counts clicked, hovered-only and untouched controls from anchors inside them", () => {
    const coverage = coverageOf(
      ["#a", "#b", "#c", "#d"],
      [
        { s: "#a", moves: 3, clicks: 1 },
        { s: "#b > span", moves: 2, clicks: 0 },
        { s: "#b", moves: 1, clicks: 0 },
        { s: ".elsewhere", moves: 9, clicks: 4 },
      ],
    );
    expect(coverage.controls).toEqual([
      { s: "#a", moves: 3, clicks: 1, state: "clicked" },
      { s: "#b", moves: 3, clicks: 0, state: "hovered" },
      { s: "#c", moves: 0, clicks: 0, state: "untouched" },
      { s: "#d", moves: 0, clicks: 0, state: "untouched" },
    ]);
    expect([coverage.clicked, coverage.hovered, coverage.untouched, coverage.unknown]).toEqual([1, 1, 2, 0]);
    expect(clickedLine(coverage)).toBe("1 of 4 controls clicked (25 %)");
  });

  it("does not call a control without heat untouched when the anchors lack some element's heat", () => {
    const coverage = coverageOf(["#a", "#b", "#c"], [{ s: "#a", moves: 1, clicks: 1 }], true);
    expect(coverage.controls.map((c) => c.state)).toEqual(["clicked", "unknown", "unknown"]);
    expect([coverage.clicked, coverage.hovered, coverage.untouched, coverage.unknown]).toEqual([1, 0, 0, 2]);
    expect(clickedLine(coverage)).toBe("1 of 3 controls clicked (33 %)");
  });

  it("says 0 % of no controls", () => {
    expect(clickedLine(coverageOf([], []))).toBe("0 of 0 controls clicked (0 %)");
  });
});
