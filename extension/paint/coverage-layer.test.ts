// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { COVERAGE_COLOURS, CoverageLayer, coverageParts } from "./coverage-layer";

/** Boxes as a browser would lay them out: controls side by side, 100 × 20 px. */
function laidOut(): void {
  [...document.querySelectorAll("*")].forEach((el, i) => {
    const rect = {
      left: i * 100,
      top: 10,
      width: 100,
      height: 20,
      x: i * 100,
      y: 10,
      right: i * 100 + 100,
      bottom: 30,
    };
    el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
  });
}

// happy-dom has no viewport size: a window of 1280 × 800.
Object.defineProperty(document.documentElement, "clientWidth", { value: 1280 });
Object.defineProperty(document.documentElement, "clientHeight", { value: 800 });

/** A canvas context that records its outlines. */
function recorder() {
  const strokes: { colour: string; x: number }[] = [];
  const ctx = {
    lineWidth: 0,
    strokeStyle: "",
    strokeRect(x: number) {
      strokes.push({ colour: this.strokeStyle, x });
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes };
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("CoverageLayer", () => {
  it("outlines each control in its state's colour and says how many are clicked, hovered only and untouched", () => {
    document.body.innerHTML = `<button id="a">A</button><button id="b">B</button><a id="c" href="/">C</a><p>Text</p>`;
    laidOut();
    const { ctx, strokes } = recorder();
    const layer = new CoverageLayer();
    const coverage = layer.paint(
      ctx,
      [
        { s: "#a", cells: [], moves: 2, clicks: 1 },
        { s: "#b", cells: [], moves: 4, clicks: 0 },
      ],
      false,
    );
    expect(strokes.map((s) => s.colour)).toEqual([
      COVERAGE_COLOURS.clicked,
      COVERAGE_COLOURS.hovered,
      COVERAGE_COLOURS.untouched,
    ]);
    expect(coverageParts(coverage)).toEqual(["1 of 3 controls clicked (33 %)", "1 hovered only", "1 untouched"]);
  });

  it("outlines a control without heat as not known, and says why, when the heat lacks some element's", () => {
    document.body.innerHTML = `<button id="a">A</button><button id="b">B</button>`;
    laidOut();
    const { ctx, strokes } = recorder();
    const coverage = new CoverageLayer().paint(ctx, [{ s: "#a", cells: [], moves: 1, clicks: 0 }], true);
    expect(strokes.map((s) => s.colour)).toEqual([COVERAGE_COLOURS.hovered, COVERAGE_COLOURS.unknown]);
    expect(coverageParts(coverage)).toEqual([
      "0 of 2 controls clicked (0 %)",
      "1 hovered only",
      "0 untouched",
      "1 not known (past --max-anchors)",
    ]);
  });

  it("looks controls up again after the document changed", () => {
    document.body.innerHTML = `<button id="a">A</button>`;
    laidOut();
    const layer = new CoverageLayer();
    expect(layer.paint(recorder().ctx, [], false).controls).toHaveLength(1);
    document.body.innerHTML += `<button id="b">B</button>`;
    laidOut();
    expect(layer.paint(recorder().ctx, [], false).controls).toHaveLength(1);
    layer.forget();
    expect(layer.paint(recorder().ctx, [], false).controls).toHaveLength(2);
  });
});
