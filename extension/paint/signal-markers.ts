/**
 * Signal markers: a badge on each element with rage, dead or error clicks in
 * the heat on screen (Grid.signals), one per kind with its count, inside the
 * element's top right corner, wherever the element is now (found by its anchor
 * selector, as elements-mode heat is). Shown in every paint mode: signals are
 * rare and are what a tester should not miss. Elements are looked up once and
 * kept until the document changes (`forget`); boxes are read on every paint.
 */
import type { SignalName, SignalSummary } from "../../protocol/signals";
import type { Grid } from "../../protocol/wire";
import { resolveAnchor } from "../page/anchor";
import { type Box, intersect } from "./anchored";

export const SIGNAL_COLOURS: Record<SignalName, string> = { rage: "#e03131", dead: "#495057", error: "#7048e8" };
const LETTER: Record<SignalName, string> = { rage: "R", dead: "D", error: "E" };
const ORDER: SignalName[] = ["rage", "dead", "error"];
const BADGE_PX = 16;
const GAP_PX = 2;

/** The signals of every grid on screen (each band's), summed per element and kind. */
export function mergeSignals(grids: Iterable<Grid>): SignalSummary[] {
  const by = new Map<string, SignalSummary>();
  for (const grid of grids) {
    for (const signal of grid.signals) {
      const id = `${signal.kind} ${signal.s}`;
      const known = by.get(id);
      if (!known) by.set(id, { ...signal });
      else {
        known.count += signal.count;
        // Testers may be counted in two bands: the larger is the least wrong.
        known.testers = Math.max(known.testers, signal.testers);
        known.first = Math.min(known.first, signal.first);
        known.last = Math.max(known.last, signal.last);
      }
    }
  }
  return [...by.values()];
}

/** The legend's signals line, `Signals: 3 rage · 1 dead · 1 error` (kinds with none left out), or null with none. */
export function signalsLine(signals: readonly SignalSummary[]): string | null {
  const counts = new Map<SignalName, number>();
  for (const { kind, count } of signals) counts.set(kind, (counts.get(kind) ?? 0) + count);
  const parts = ORDER.filter((kind) => counts.has(kind)).map((kind) => `${counts.get(kind)} ${kind}`);
  return parts.length > 0 ? `Signals: ${parts.join(" · ")}` : null;
}

export class SignalMarkers {
  private readonly elements = new Map<string, Element | null>();

  /** The document changed: elements are looked up again on the next paint. */
  forget(): void {
    this.elements.clear();
  }

  /** Paints a badge per signal on `ctx` (whose transform maps CSS px); returns how many are on elements in view. */
  paint(ctx: CanvasRenderingContext2D, signals: readonly SignalSummary[]): number {
    const root = document.documentElement;
    const viewport: Box = { left: 0, top: 0, width: root.clientWidth, height: root.clientHeight };
    const byElement = new Map<string, SignalSummary[]>();
    for (const signal of signals) byElement.set(signal.s, [...(byElement.get(signal.s) ?? []), signal]);
    let shown = 0;
    ctx.font = `bold ${BADGE_PX - 5}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const [selector, ofElement] of byElement) {
      if (!this.elements.has(selector)) this.elements.set(selector, resolveAnchor(selector));
      const element = this.elements.get(selector);
      if (!element?.isConnected) continue;
      const rect = element.getBoundingClientRect();
      if (!intersect(rect, viewport)) continue;
      const kinds = ORDER.flatMap((kind) => ofElement.filter((s) => s.kind === kind));
      kinds.forEach((signal, i) => {
        const label = `${LETTER[signal.kind]}${signal.count}`;
        const width = Math.max(BADGE_PX, ctx.measureText(label).width + 6);
        const left = rect.right - width - i * (width + GAP_PX);
        // Inside the element's box, so that a badge never covers its neighbours or reads as heat beside it.
        const top = Math.max(0, rect.top);
        ctx.fillStyle = SIGNAL_COLOURS[signal.kind];
        ctx.fillRect(left, top, width, BADGE_PX);
        ctx.fillStyle = "#fff";
        ctx.fillText(label, left + width / 2, top + BADGE_PX / 2);
        shown++;
      });
    }
    return shown;
  }
}
