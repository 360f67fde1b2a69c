/**
 * Paints anchored heat: finds each anchor's element in this document (or in
 * an open shadow root of it) and fills its tiles inside the element's box as
 * it is now, cut to the part visible through the viewport and every scroll
 * container around it. Elements are looked up once and kept until the
 * document changes (`forget`); their boxes are read on every paint.
 */
import type { AnchorHeat } from "../../protocol/anchor";
import { resolveAnchor } from "../page/anchor";
import { composedParent } from "../page/composed-tree";
import type { HeatLayer } from "../state/overlay-prefs";
import { anchorCount, anchorTiles, type Box, intersect, visiblePart } from "./anchored";
import { heatLevel, PALETTE, type ScaleKind } from "./renderer";

/** An element painted with heat, and the part of it on screen: what the tooltip finds under the cursor. */
export interface PaintedElement {
  anchor: AnchorHeat;
  visible: Box;
}

export interface ElementPaint {
  painted: PaintedElement[];
  /** Points of the layer on anchors this document has no element for. */
  missing: number;
}

interface Found {
  element: Element;
  /** Ancestors whose overflow clips the element (scroll containers and the like), innermost first. */
  clippers: Element[];
}

/** An anchor's element as it is on screen now: its box, and the part of it visible. */
export interface Located {
  box: DOMRect;
  visible: Box;
}

/**
 * Finds anchors' elements in this document (or an open shadow root of it):
 * each selector is looked up once, until the document changes (`forget`);
 * boxes are read on every call, so a caller follows scrolling and layout.
 */
export class ElementFinder {
  private readonly found = new Map<string, Found | null>();

  forget(): void {
    this.found.clear();
  }

  /** Where the element of `selector` is: `missing` when this page has none, null when it has no visible part now. */
  locate(selector: string, viewport: Box): Located | "missing" | null {
    const found = this.lookUp(selector);
    if (!found) return "missing";
    const box = found.element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return null;
    const visible = visiblePart(box, [viewport, ...found.clippers.map(clientBox)]);
    return visible && { box, visible };
  }

  private lookUp(selector: string): Found | null {
    if (this.found.has(selector)) return this.found.get(selector) ?? null;
    const element = resolveAnchor(selector, document);
    const found = element && { element, clippers: clippersOf(element) };
    this.found.set(selector, found);
    return found;
  }
}

/** The viewport as a box, in CSS px. */
export function viewportBox(): Box {
  const root = document.documentElement;
  return { left: 0, top: 0, width: root.clientWidth, height: root.clientHeight };
}

export class ElementHeat {
  private readonly finder = new ElementFinder();

  /** The document changed: elements are looked up again on the next paint. */
  forget(): void {
    this.finder.forget();
  }

  /** Paints over what is already on `ctx` (whose transform maps CSS px); `top` is the top of the layer's colour scale. */
  paint(
    ctx: CanvasRenderingContext2D,
    anchors: readonly AnchorHeat[],
    layer: HeatLayer,
    scale: { top: number; kind: ScaleKind },
  ): ElementPaint {
    const viewport = viewportBox();
    const painted: PaintedElement[] = [];
    let missing = 0;
    for (const anchor of anchors) {
      const count = anchorCount(anchor, layer);
      if (count === 0) continue;
      const located = this.finder.locate(anchor.s, viewport);
      if (located === "missing") {
        missing += count;
        continue;
      }
      if (!located) continue;
      const { box, visible } = located;
      for (const tile of anchorTiles(anchor, box, layer)) {
        const part = intersect(tile, visible);
        if (!part) continue;
        ctx.fillStyle = PALETTE[heatLevel(tile.count, scale.top, scale.kind)] as string;
        ctx.fillRect(part.left, part.top, part.width, part.height);
      }
      painted.push({ anchor, visible });
    }
    return { painted, missing };
  }
}

/** The innermost painted element under (x, y): the one whose visible part is smallest. */
export function elementAt<T extends { visible: Box }>(painted: readonly T[], x: number, y: number): T | null {
  let best: T | null = null;
  for (const p of painted) {
    const { left, top, width, height } = p.visible;
    if (x < left || y < top || x >= left + width || y >= top + height) continue;
    if (!best || width * height < best.visible.width * best.visible.height) best = p;
  }
  return best;
}

/**
 * Ancestors that cut off what overflows them, up to the document (whose
 * overflow is the viewport's) or to a fixed element (which no ancestor's
 * overflow clips), across open shadow roots.
 */
function clippersOf(element: Element): Element[] {
  const clippers: Element[] = [];
  for (let el: Element | null = element; el; el = parentOf(el)) {
    const style = getComputedStyle(el);
    if (
      el !== element &&
      el !== el.ownerDocument.body &&
      (style.overflowX !== "visible" || style.overflowY !== "visible")
    )
      clippers.push(el);
    if (style.position === "fixed") break;
  }
  return clippers;
}

function parentOf(el: Element): Element | null {
  const parent = composedParent(el);
  return parent === el.ownerDocument.documentElement ? null : parent;
}

/** An element's padding box (inside borders and scroll bars), where its overflow is cut. */
function clientBox(el: Element): Box {
  const rect = el.getBoundingClientRect();
  return {
    left: rect.left + el.clientLeft,
    top: rect.top + el.clientTop,
    width: el.clientWidth,
    height: el.clientHeight,
  };
}
