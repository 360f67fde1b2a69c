// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import type { Comparison, ElementChange } from "../../protocol/compare";
import { testGrid } from "../../tests/support/grid";
import { CompareLayer, changeBadge, changeTooltip, differenceColour, MAX_ALPHA, sideOf } from "./compare-layer";
import { compareParts } from "./legend";
import { COMPARE_COLOURS } from "./renderer";

// happy-dom has no viewport size: a window of 1000 × 800.
Object.defineProperty(document.documentElement, "clientWidth", { value: 1000, configurable: true });
Object.defineProperty(document.documentElement, "clientHeight", { value: 800, configurable: true });

/** Gives an element a box (happy-dom lays nothing out). */
function place(el: Element, left: number, top: number, width = 100, height = 40): void {
  const rect = { left, top, width, height, x: left, y: top, right: left + width, bottom: top + height };
  el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
}

/** A 2d context that records what is filled, outlined and written. */
function recorder() {
  const fills: { colour: string; left: number; top: number; width: number; height: number }[] = [];
  const outlines: { colour: string; left: number; top: number }[] = [];
  const labels: string[] = [];
  const ctx = {
    fillStyle: "",
    strokeStyle: "",
    lineWidth: 0,
    font: "",
    textAlign: "",
    textBaseline: "",
    measureText: (label: string) => ({ width: label.length * 6 }),
    fillRect(left: number, top: number, width: number, height: number) {
      fills.push({ colour: this.fillStyle, left, top, width, height });
    },
    strokeRect(left: number, top: number) {
      outlines.push({ colour: this.strokeStyle, left, top });
    },
    fillText(label: string) {
      labels.push(label);
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, fills, outlines, labels };
}

const VIEW = { width: 1000, height: 800, scrollX: 0, scrollY: 0, devicePixelRatio: 1 };
const BLUE = `rgb(${COMPARE_COLOURS.a.rgb.join(", ")})`;
const ORANGE = `rgb(${COMPARE_COLOURS.b.rgb.join(", ")})`;

const change = (s: string, a: number, b: number, part: Partial<ElementChange> = {}): ElementChange => ({
  s,
  a,
  b,
  shareA: a / 100,
  shareB: b / 100,
  z: 0,
  p: 1,
  tested: true,
  flagged: false,
  ...part,
});

function comparison(elements: ElementChange[], a = testGrid(), b = testGrid()): Comparison {
  const flagged = elements.filter((e) => e.flagged).length;
  return {
    type: "comparison",
    layer: "points",
    a: { set: "tester:ana", from: 0, to: 1, grid: a },
    b: { set: "rest:ana", from: 0, to: 1, grid: b },
    test: { name: "z", alpha: 0.05, minCount: 10, dispersion: 1, tested: elements.length, flagged },
    elements,
  };
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("the compare layer's colours and badges", () => {
  it("colours a difference by its side, blue for more in A and orange for more in B, alpha by its size against the largest", () => {
    expect(sideOf(-3)).toBe("a");
    expect(sideOf(3)).toBe("b");
    expect(sideOf(0)).toBeNull();
    expect(differenceColour(-50, 100)).toBe(`rgba(28, 126, 214, ${MAX_ALPHA / 2})`);
    expect(differenceColour(100, 100)).toBe(`rgba(247, 103, 7, ${MAX_ALPHA})`);
    expect(differenceColour(25, 100)).toBe(`rgba(247, 103, 7, ${MAX_ALPHA / 4})`);
    expect(differenceColour(0, 100)).toBeNull();
    expect(differenceColour(5, 0)).toBeNull();
  });

  it("badges a change as B's share over A's, or new and gone when one side has none of it", () => {
    expect(changeBadge({ shareA: 0.1, shareB: 0.21 })).toBe("2.1×");
    expect(changeBadge({ shareA: 0.4, shareB: 0.2 })).toBe("0.5×");
    expect(changeBadge({ shareA: 0.5, shareB: 0.02 })).toBe("0.04×");
    expect(changeBadge({ shareA: 0.01, shareB: 0.3 })).toBe("30×");
    expect(changeBadge({ shareA: 0, shareB: 0.3 })).toBe("new");
    expect(changeBadge({ shareA: 0.3, shareB: 0 })).toBe("gone");
  });

  it("says in the tooltip each side's share and whether the change is beyond chance", () => {
    expect(changeTooltip(change("#buy", 4, 31, { flagged: true }))).toBe("A 4% · B 31% · 7.8× beyond chance");
    expect(changeTooltip(change("#buy", 10, 12))).toBe("A 10% · B 12% · within chance");
    expect(changeTooltip(change("#buy", 1, 2, { tested: false }))).toBe("A 1% · B 2% · too few points to test");
  });

  it("names each side's set and colour, the range compared, the elements tested and those changed beyond chance, in the legend", () => {
    const c = comparison([change("#a", 1, 1), change("#b", 1, 30, { flagged: true })]);
    expect(compareParts(c, "all history kept").join(" · ")).toBe(
      "A: tester:ana (blue) · B: rest:ana (orange) · all history kept · 2 elements tested · 1 changed beyond chance (α 0.05)",
    );
  });
});

describe("the compare layer's painting", () => {
  it("paints each tile in the colour of the side with the larger share there, on the page and in the fixed layer", () => {
    // A: 4 points in (0,0); B: 2 in (0,0) and 2 in (1,0): (0,0) leans to A, (1,0) to B by as much; the fixed tile to B.
    const a = testGrid({ total: 4, cells: [0, 0, 4] });
    const b = testGrid({ total: 4, cells: [0, 0, 2, 1, 0, 1], fixed: [3, 2, 1] });
    const { ctx, fills } = recorder();
    new CompareLayer().paint(ctx, comparison([], a, b), { ...VIEW, scrollY: 10 });
    expect(fills).toEqual([
      { colour: `rgba(28, 126, 214, ${MAX_ALPHA})`, left: 0, top: -10, width: 20, height: 20 },
      { colour: `rgba(247, 103, 7, ${MAX_ALPHA / 2})`, left: 20, top: -10, width: 20, height: 20 },
      { colour: `rgba(247, 103, 7, ${MAX_ALPHA / 2})`, left: 60, top: 40, width: 20, height: 20 },
    ]);
  });

  it("tints each compared element on this page by its share difference, and outlines and badges only the flagged ones in their side's colour", () => {
    document.body.innerHTML = `<button id="buy">Buy</button><button id="help">Help</button><a id="old">Old</a>`;
    place(document.querySelector("#buy") as Element, 100, 200);
    place(document.querySelector("#help") as Element, 300, 200);
    place(document.querySelector("#old") as Element, 500, 200);
    const elements = [
      change("#buy", 5, 45, { flagged: true }),
      change("#old", 20, 0, { flagged: true }),
      change("#help", 10, 12),
      change("#gone-from-page", 0, 30, { flagged: true }),
    ];
    const { ctx, fills, outlines, labels } = recorder();
    const painted = new CompareLayer().paint(ctx, comparison(elements), VIEW);
    expect(painted.map((p) => p.change.s)).toEqual(["#buy", "#old", "#help"]);
    // Tints: #buy +40 points of share (the largest), #old -20, #help +2.
    expect(fills.slice(0, 3)).toEqual([
      { colour: `rgba(247, 103, 7, ${MAX_ALPHA})`, left: 100, top: 200, width: 100, height: 40 },
      { colour: `rgba(28, 126, 214, ${MAX_ALPHA / 2})`, left: 500, top: 200, width: 100, height: 40 },
      { colour: `rgba(247, 103, 7, ${(MAX_ALPHA * 2) / 40})`, left: 300, top: 200, width: 100, height: 40 },
    ]);
    expect(outlines).toEqual([
      { colour: ORANGE, left: 101, top: 201 },
      { colour: BLUE, left: 501, top: 201 },
    ]);
    expect(labels).toEqual(["9.0×", "gone"]);
    // Each badge inside its element's top right corner, in its side's colour.
    expect(fills.slice(3)).toEqual([
      { colour: ORANGE, left: 200 - 30, top: 200, width: 30, height: 16 },
      { colour: BLUE, left: 600 - 30, top: 200, width: 30, height: 16 },
    ]);
  });
});
