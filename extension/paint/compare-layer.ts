/**
 * The difference map of a comparison (protocol/compare.ts), painted instead
 * of the heat: each tile in the colour of the side whose share of its own
 * total is larger there (blue: more in A, orange: more in B), stronger the
 * larger the difference; each compared element found on this page (as heat
 * on elements finds it, element-heat.ts) tinted the same way by its share
 * difference; and each element whose share changed beyond chance outlined,
 * with a badge inside its top right corner (as signal badges sit) saying by
 * how much: `2.1×` (B's share over A's), `new` (none in A), `gone` (none in B).
 */
import type { Comparison, ElementChange } from "../../protocol/compare";
import { tileDifferences } from "../../protocol/compare";
import type { Box } from "./anchored";
import { ElementFinder, viewportBox } from "./element-heat";
import { percent } from "./legend";
import { COMPARE_COLOURS, type CompareSide, forEachCellOnScreen, type View } from "./renderer";

/** The alpha of the largest difference; smaller ones fade in proportion, so that the page stays readable under the map. */
export const MAX_ALPHA = 0.6;
const LINE_PX = 2;
const BADGE_PX = 16;

/** The side a difference (B's share minus A's) leans to, or null for none. */
export function sideOf(diff: number): CompareSide | null {
  return diff > 0 ? "b" : diff < 0 ? "a" : null;
}

/** The colour of a difference on a scale whose largest magnitude is `max`: its side's, alpha by |diff| / max; null for none. */
export function differenceColour(diff: number, max: number): string | null {
  const side = sideOf(diff);
  if (!side || max <= 0) return null;
  const alpha = Number((MAX_ALPHA * Math.min(1, Math.abs(diff) / max)).toFixed(3));
  const [r, g, b] = COMPARE_COLOURS[side].rgb;
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** A flagged element's badge: `new` or `gone` when one side has none of it, else B's share over A's, `2.1×`, `0.45×`. */
export function changeBadge({ shareA, shareB }: Pick<ElementChange, "shareA" | "shareB">): string {
  if (shareA === 0) return "new";
  if (shareB === 0) return "gone";
  const ratio = shareB / shareA;
  return `${ratio >= 10 ? Math.round(ratio) : ratio >= 0.1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** The tooltip over a compared element: `A 4% · B 31% · 7.8× beyond chance`. */
export function changeTooltip(change: ElementChange): string {
  const shares = `A ${percent(change.shareA)} · B ${percent(change.shareB)}`;
  if (change.flagged) return `${shares} · ${changeBadge(change)} beyond chance`;
  return change.tested ? `${shares} · within chance` : `${shares} · too few points to test`;
}

/** A compared element on screen, for the tooltip. */
export interface PaintedChange {
  change: ElementChange;
  visible: Box;
}

function rgb(side: CompareSide): string {
  return `rgb(${COMPARE_COLOURS[side].rgb.join(", ")})`;
}

export class CompareLayer {
  private readonly finder = new ElementFinder();

  /** The document changed: elements are looked up again on the next paint. */
  forget(): void {
    this.finder.forget();
  }

  /**
   * Paints the comparison's tiles, element tints, outlines and badges over
   * what is on `ctx` (whose transform maps CSS px); `fixedShown` cuts the
   * fixed layer's tiles to those over a fixed element now (as the heat is cut).
   */
  paint(
    ctx: CanvasRenderingContext2D,
    comparison: Comparison,
    view: View,
    fixedShown: (fixed: number[], cols: number) => number[] = (fixed) => fixed,
  ): PaintedChange[] {
    const tiles = tileDifferences(comparison.a.grid, comparison.b.grid);
    const cols = comparison.b.grid.cols;
    for (const [cells, layer] of [
      [tiles.cells, "page"],
      [fixedShown(tiles.fixed, cols), "fixed"],
    ] as const) {
      forEachCellOnScreen(cells, layer, cols, view, 0, (x, y, diff, tile) => {
        const colour = differenceColour(diff, tiles.max);
        if (!colour) return;
        ctx.fillStyle = colour;
        ctx.fillRect(x, y, tile, tile);
      });
    }
    const viewport = viewportBox();
    const located = comparison.elements.flatMap((change) => {
      const at = this.finder.locate(change.s, viewport);
      return at && at !== "missing" ? [{ change, ...at }] : [];
    });
    const max = Math.max(0, ...comparison.elements.map((e) => Math.abs(e.shareB - e.shareA)));
    for (const { change, visible } of located) {
      const colour = differenceColour(change.shareB - change.shareA, max);
      if (!colour) continue;
      ctx.fillStyle = colour;
      ctx.fillRect(visible.left, visible.top, visible.width, visible.height);
    }
    // Outlines and badges over every tint, so that a neighbour's tint never covers them.
    ctx.lineWidth = LINE_PX;
    ctx.font = `bold ${BADGE_PX - 5}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const { change, box } of located) {
      const side = change.flagged && sideOf(change.shareB - change.shareA);
      if (!side) continue;
      ctx.strokeStyle = rgb(side);
      // Inside the box, so that neighbours' outlines do not cover each other.
      ctx.strokeRect(box.left + LINE_PX / 2, box.top + LINE_PX / 2, box.width - LINE_PX, box.height - LINE_PX);
      const label = changeBadge(change);
      const width = Math.max(BADGE_PX, ctx.measureText(label).width + 6);
      const left = box.right - width;
      const top = Math.max(0, box.top);
      ctx.fillStyle = rgb(side);
      ctx.fillRect(left, top, width, BADGE_PX);
      ctx.fillStyle = "#fff";
      ctx.fillText(label, left + width / 2, top + BADGE_PX / 2);
    }
    return located.map(({ change, visible }) => ({ change, visible }));
  }
}
