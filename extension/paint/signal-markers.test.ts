// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import type { SignalSummary } from "../../protocol/signals";
import { testGrid } from "../../tests/support/grid";
import { mergeSignals, SIGNAL_COLOURS, SignalMarkers, signalsLine } from "./signal-markers";

// happy-dom has no viewport size: a window of 1280 × 800.
Object.defineProperty(document.documentElement, "clientWidth", { value: 1280 });
Object.defineProperty(document.documentElement, "clientHeight", { value: 800 });

/** `el` laid out at `left`, `top`, 100 × 20 px. */
function place(el: Element, left: number, top: number): void {
  const rect = { left, top, width: 100, height: 20, x: left, y: top, right: left + 100, bottom: top + 20 };
  el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
}

/** A canvas context that records its badges: colour, left edge and label. */
function recorder() {
  const badges: { colour: string; left: number; top: number; label?: string }[] = [];
  const ctx = {
    fillStyle: "",
    font: "",
    textAlign: "",
    textBaseline: "",
    measureText: (label: string) => ({ width: label.length * 6 }),
    fillRect(left: number, top: number) {
      badges.push({ colour: this.fillStyle, left, top });
    },
    fillText(label: string) {
      (badges.at(-1) as { label?: string }).label = label;
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, badges };
}

const signal = (s: string, kind: SignalSummary["kind"], count: number, testers = 1): SignalSummary => ({
  s,
  kind,
  count,
  testers,
  first: 1,
  last: 2,
});

afterEach(() => {
  document.body.innerHTML = "";
});

describe("signal markers", () => {
  it("badges each element's signals by kind with their counts inside its top right corner, none for elements not on the page or out of view", () => {
    document.body.innerHTML = `<button id="buy">Buy</button><button id="pay">Pay</button><button id="far">Far</button>`;
    place(document.querySelector("#buy") as Element, 0, 100);
    place(document.querySelector("#pay") as Element, 300, 100);
    place(document.querySelector("#far") as Element, 0, 5000);
    const { ctx, badges } = recorder();
    const shown = new SignalMarkers().paint(ctx, [
      signal("#buy", "dead", 1),
      signal("#buy", "rage", 3),
      signal("#pay", "error", 2),
      signal("#gone", "rage", 9),
      signal("#far", "rage", 1),
    ]);
    expect(shown).toBe(3);
    expect(badges.map(({ colour, label }) => [colour, label])).toEqual([
      [SIGNAL_COLOURS.rage, "R3"],
      [SIGNAL_COLOURS.dead, "D1"],
      [SIGNAL_COLOURS.error, "E2"],
    ]);
    // Rage first at the element's right edge, dead to its left; inside the element's top edge.
    // "R3" measures 12 px here: 6 px of padding make the badge 18 px wide.
    expect(badges[0]?.left).toBe(100 - 18);
    expect(badges[1]?.left).toBeLessThan(badges[0]?.left as number);
    expect(badges[0]?.top).toBe(100);
  });

  it("finds an element added later once told the document changed", () => {
    const markers = new SignalMarkers();
    const { ctx } = recorder();
    expect(markers.paint(ctx, [signal("#late", "dead", 1)])).toBe(0);
    document.body.innerHTML = `<button id="late">Late</button>`;
    place(document.querySelector("#late") as Element, 0, 0);
    expect(markers.paint(ctx, [signal("#late", "dead", 1)])).toBe(0);
    markers.forget();
    expect(markers.paint(ctx, [signal("#late", "dead", 1)])).toBe(1);
  });

  it("sums an element's signals over the bands on screen, and the legend line counts them per kind", () => {
    const merged = mergeSignals([
      testGrid({ signals: [signal("#buy", "rage", 2, 1), signal("#x", "error", 1)] }),
      testGrid({ signals: [{ ...signal("#buy", "rage", 1, 2), first: 0, last: 9 }] }),
    ]);
    expect(merged).toEqual([
      { s: "#buy", kind: "rage", count: 3, testers: 2, first: 0, last: 9 },
      signal("#x", "error", 1),
    ]);
    expect(signalsLine(merged)).toBe("Signals: 3 rage · 1 error");
    expect(signalsLine([])).toBeNull();
  });
});
