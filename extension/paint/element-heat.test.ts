// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from "vitest";
import { type AnchorHeat, anchorTile } from "../../protocol/anchor";
import { type Box, MIN_TILE_PX, visiblePart } from "./anchored";
import { ElementHeat, elementAt } from "./element-heat";

/** Gives an element a box (happy-dom lays nothing out). */
function place(el: Element, box: Box): void {
  el.getBoundingClientRect = () =>
    ({ ...box, x: box.left, y: box.top, right: box.left + box.width, bottom: box.top + box.height }) as DOMRect;
  Object.defineProperties(el, {
    clientWidth: { value: box.width, configurable: true },
    clientHeight: { value: box.height, configurable: true },
  });
}

/** A 2d context that records the rectangles filled. */
function recorder(): { ctx: CanvasRenderingContext2D; fills: Box[] } {
  const fills: Box[] = [];
  const ctx = {
    fillStyle: "",
    fillRect: (left: number, top: number, width: number, height: number) => fills.push({ left, top, width, height }),
  } as unknown as CanvasRenderingContext2D;
  return { ctx, fills };
}

const heat = (s: string, tiles: [number, number, number][]): AnchorHeat => ({
  s,
  cells: tiles.flat(),
  moves: tiles.reduce((n, [, m]) => n + m, 0),
  clicks: tiles.reduce((n, [, , c]) => n + c, 0),
});
const SCALE = { top: 4, kind: "linear" as const };

describe("element heat", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
    place(document.documentElement, { left: 0, top: 0, width: 800, height: 600 });
  });

  it("paints an anchor's tiles inside the element it names, wherever the element is now", () => {
    document.body.innerHTML = `<button data-testid="buy">Buy</button>`;
    const buy = document.querySelector("[data-testid=buy]") as Element;
    place(buy, { left: 100, top: 200, width: 80, height: 40 });
    const anchors = [heat('[data-testid="buy"]', [[anchorTile(0, 0), 3, 1]])];
    const painter = new ElementHeat();
    const first = recorder();
    const { painted, missing } = painter.paint(first.ctx, anchors, "both", SCALE);
    // An eighth of 40 px is 5 px: grown to MIN_TILE_PX inside the element.
    expect(first.fills).toEqual([{ left: 100, top: 200, width: 10, height: MIN_TILE_PX }]);
    expect(missing).toBe(0);
    expect(elementAt(painted, 105, 202)?.anchor.s).toBe('[data-testid="buy"]');
    // The layout changed (another width): the same heat follows the element's new box.
    place(buy, { left: 500, top: 20, width: 160, height: 40 });
    const second = recorder();
    painter.paint(second.ctx, anchors, "both", SCALE);
    expect(second.fills).toEqual([{ left: 500, top: 20, width: 20, height: MIN_TILE_PX }]);
  });

  it("counts the points on elements this page does not have, and finds a re-rendered element after a change", () => {
    const anchors = [heat("#cart", [[0, 2, 0]]), heat("#gone", [[0, 3, 2]])];
    const painter = new ElementHeat();
    expect(painter.paint(recorder().ctx, anchors, "both", SCALE).missing).toBe(7);
    document.body.innerHTML = `<a id="cart">Cart</a>`;
    place(document.getElementById("cart") as Element, { left: 0, top: 0, width: 8, height: 8 });
    // Until the document is said to have changed, the lookup is not repeated.
    expect(painter.paint(recorder().ctx, anchors, "both", SCALE).missing).toBe(7);
    painter.forget();
    const found = recorder();
    expect(painter.paint(found.ctx, anchors, "both", SCALE).missing).toBe(5);
    // An element smaller than MIN_TILE_PX: its tile is all of it.
    expect(found.fills).toEqual([{ left: 0, top: 0, width: 8, height: 8 }]);
    const again = recorder();
    const result = painter.paint(again.ctx, anchors, "clicks", SCALE);
    // The clicks layer: #cart has none, so nothing is painted there, and #gone's 2 clicks are missing.
    expect(again.fills).toEqual([]);
    expect(result.missing).toBe(2);
    expect(painter.paint(recorder().ctx, anchors, "moves", SCALE).missing).toBe(3);
  });

  it("cuts an element's heat to the visible part of its scroll container", () => {
    document.body.innerHTML = `<div id="list" style="overflow: auto"><p id="row">row</p></div>`;
    const list = document.getElementById("list") as Element;
    const row = document.getElementById("row") as Element;
    place(list, { left: 0, top: 100, width: 300, height: 200 });
    // The row is scrolled half out of the bottom of the list.
    place(row, { left: 0, top: 260, width: 80, height: 80 });
    const whole = heat(
      "#row",
      Array.from({ length: 64 }, (_, tile): [number, number, number] => [tile, 1, 0]),
    );
    const { ctx, fills } = recorder();
    const { painted } = new ElementHeat().paint(ctx, [whole], "both", SCALE);
    // Rows of 10 px: the 4 upper rows of 8 tiles are in view.
    expect(fills.length).toBe(32);
    for (const fill of fills) {
      expect(fill.top).toBeGreaterThanOrEqual(260);
      expect(fill.top + fill.height).toBeLessThanOrEqual(300);
    }
    expect(painted[0]?.visible).toEqual(
      visiblePart({ left: 0, top: 260, width: 80, height: 80 }, [{ left: 0, top: 100, width: 300, height: 200 }]),
    );
    // Scrolled out of the list altogether: nothing, though it is inside the viewport.
    place(row, { left: 0, top: 320, width: 80, height: 80 });
    const out = recorder();
    expect(new ElementHeat().paint(out.ctx, [whole], "both", SCALE).painted).toEqual([]);
    expect(out.fills).toEqual([]);
  });

  it("finds an element inside an open shadow root", () => {
    document.body.innerHTML = `<shop-cart id="widget"></shop-cart>`;
    const host = document.getElementById("widget") as Element;
    const shadow = host.attachShadow({ mode: "open" });
    shadow.innerHTML = `<button class="checkout">Pay</button>`;
    place(host, { left: 0, top: 0, width: 400, height: 100 });
    place(shadow.querySelector(".checkout") as Element, { left: 300, top: 50, width: 64, height: 32 });
    const { ctx, fills } = recorder();
    new ElementHeat().paint(ctx, [heat("#widget >>> .checkout", [[anchorTile(1023, 0), 1, 0]])], "both", SCALE);
    // The top-right eighth (8 × 4 px), grown to MIN_TILE_PX inside the button.
    expect(fills).toEqual([{ left: 354, top: 50, width: MIN_TILE_PX, height: MIN_TILE_PX }]);
  });

  it("gives the tooltip the innermost element under the cursor", () => {
    const outer = { anchor: heat("#card", [[0, 1, 0]]), visible: { left: 0, top: 0, width: 300, height: 300 } };
    const inner = { anchor: heat("#buy", [[0, 1, 0]]), visible: { left: 10, top: 10, width: 50, height: 20 } };
    expect(elementAt([outer, inner], 20, 20)?.anchor.s).toBe("#buy");
    expect(elementAt([outer, inner], 200, 200)?.anchor.s).toBe("#card");
    expect(elementAt([outer, inner], 400, 20)).toBeNull();
  });
});
