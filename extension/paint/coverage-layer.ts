/**
 * The coverage layer: outlines every control of this page (page/controls.ts)
 * in the colour of its coverage in the heat on screen (protocol/coverage.ts):
 * untouched, hovered only, clicked, or not known (the heat on screen lacks
 * some element's). Controls are looked up once and kept
 * until the document changes (`forget`); their boxes are read on every paint,
 * so the outlines follow scrolling, resizing and re-renders as the heat does.
 */
import type { AnchorHeat } from "../../protocol/anchor";
import { type ControlState, type Coverage, clickedLine, coverageOf } from "../../protocol/coverage";
import { type Control, pageControls } from "../page/controls";
import { type Box, intersect } from "./anchored";

/** The outline colour of each state, also the legend's key. */
export const COVERAGE_COLOURS: Record<ControlState, string> = {
  untouched: "#ff2d75",
  hovered: "#ffb020",
  clicked: "#12b886",
  unknown: "#8c8c99",
};

/** What the legend and the panel's key call each state. */
export const COVERAGE_LABELS: Record<ControlState, string> = {
  untouched: "untouched",
  hovered: "hovered",
  clicked: "clicked",
  unknown: "not known",
};

const LINE_PX = 2;

export class CoverageLayer {
  private controls: Control[] | null = null;

  /** The document changed: controls are looked up again on the next paint. */
  forget(): void {
    this.controls = null;
  }

  /**
   * Outlines the controls on `ctx` (whose transform maps CSS px) and gives
   * their coverage by `anchors`; `lacking` as `coverageOf`'s.
   */
  paint(ctx: CanvasRenderingContext2D, anchors: readonly AnchorHeat[], lacking: boolean): Coverage {
    this.controls ??= pageControls(document);
    const coverage = coverageOf(
      this.controls.map((control) => control.selector),
      anchors,
      lacking,
    );
    const root = document.documentElement;
    const viewport: Box = { left: 0, top: 0, width: root.clientWidth, height: root.clientHeight };
    ctx.lineWidth = LINE_PX;
    coverage.controls.forEach((covered, i) => {
      const element = this.controls?.[i]?.element;
      if (!element?.isConnected) return;
      const rect = element.getBoundingClientRect();
      if (!intersect(rect, viewport)) return;
      ctx.strokeStyle = COVERAGE_COLOURS[covered.state];
      // Inside the box, so that neighbours' outlines do not cover each other.
      ctx.strokeRect(rect.left + LINE_PX / 2, rect.top + LINE_PX / 2, rect.width - LINE_PX, rect.height - LINE_PX);
    });
    return coverage;
  }
}

/**
 * The legend's coverage line: `3 of 8 controls clicked (38 %) · 2 hovered
 * only · 3 untouched`, and, when the heat lacks some element's, how many are
 * not known and why.
 */
export function coverageParts(coverage: Coverage): string[] {
  const parts = [clickedLine(coverage), `${coverage.hovered} hovered only`, `${coverage.untouched} untouched`];
  if (coverage.unknown > 0) {
    parts.push(`${coverage.unknown} ${COVERAGE_LABELS.unknown} (past --max-anchors)`);
  }
  return parts;
}
