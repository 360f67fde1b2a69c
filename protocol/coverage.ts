/**
 * Coverage of a page's controls (the interactive elements a tester can use,
 * extension/page/controls.ts): which of them anyone hovered or clicked in the
 * window or range on screen. Controls are named by the same selectors as
 * anchors (protocol/anchor.ts), so a control's heat is the heat of its own
 * anchor plus that of anchors inside it whose selector is a path down from it
 * (`#buy > span`); an inner element named by its own unique name is not
 * attributed to its control. Pure, shared by the overlay and the companion so
 * that the legend and the dashboard count alike.
 */
import { SHADOW_SEPARATOR } from "./anchor";

/** Most controls one page group of a batch may list: the wire's ceiling (the companion's --max-controls is lower). */
export const MAX_CONTROLS_PER_GROUP = 10_000;

/**
 * Most characters of selectors one inventory may hold, as JSON: the tracker
 * sends the page's first controls within it, so that an inventory fits a
 * batch (64 KiB) beside its points.
 */
export const MAX_INVENTORY_CHARS = 32 * 1024;

/** The first selectors whose JSON array stays within MAX_INVENTORY_CHARS. */
export function fitInventory(selectors: readonly string[]): string[] {
  const kept: string[] = [];
  let chars = 2;
  for (const s of selectors) {
    chars += JSON.stringify(s).length + 1;
    if (chars > MAX_INVENTORY_CHARS) break;
    kept.push(s);
  }
  return kept;
}

/** `unknown`: no heat on it among anchors that lack some element's (`coverageOf`), so untouched or not. */
export type ControlState = "untouched" | "hovered" | "clicked" | "unknown";

export interface ControlCoverage {
  s: string;
  moves: number;
  clicks: number;
  state: ControlState;
}

export interface Coverage {
  controls: ControlCoverage[];
  /** Controls with at least one click. */
  clicked: number;
  /** Controls hovered but never clicked. */
  hovered: number;
  untouched: number;
  /** Controls without heat whose heat may be among the anchors left out (`coverageOf`'s `lacking`). */
  unknown: number;
}

const STEPS = [" > ", SHADOW_SEPARATOR];

/** The control an anchor belongs to: itself, or the innermost control whose selector it extends with a path. */
export function controlOf(anchor: string, controls: ReadonlySet<string>): string | null {
  if (controls.has(anchor)) return anchor;
  let best: string | null = null;
  for (const step of STEPS) {
    for (let at = anchor.indexOf(step); at > 0; at = anchor.indexOf(step, at + 1)) {
      const prefix = anchor.slice(0, at);
      if (controls.has(prefix) && (!best || prefix.length > best.length)) best = prefix;
    }
  }
  return best;
}

/**
 * Each control's moves and clicks from a grid's anchors, and how many are
 * clicked, hovered only and untouched. `lacking`: the anchors lack some
 * element's heat (a grid's `evictedAnchors` above 0: the page had more hot
 * elements than the companion's `--max-anchors` keeps), so that a control
 * without heat in them is not known to be untouched.
 */
export function coverageOf(
  controls: readonly string[],
  anchors: readonly { s: string; moves: number; clicks: number }[],
  lacking = false,
): Coverage {
  const byControl = new Map<string, ControlCoverage>();
  for (const s of controls) byControl.set(s, { s, moves: 0, clicks: 0, state: "untouched" });
  const names = new Set(byControl.keys());
  for (const anchor of anchors) {
    const control = controlOf(anchor.s, names);
    const entry = control === null ? undefined : byControl.get(control);
    if (!entry) continue;
    entry.moves += anchor.moves;
    entry.clicks += anchor.clicks;
  }
  const counts: Record<ControlState, number> = { clicked: 0, hovered: 0, untouched: 0, unknown: 0 };
  for (const entry of byControl.values()) {
    entry.state = entry.clicks > 0 ? "clicked" : entry.moves > 0 ? "hovered" : lacking ? "unknown" : "untouched";
    counts[entry.state]++;
  }
  return { controls: [...byControl.values()], ...counts };
}

/** `3 of 8 controls clicked (38 %)`. */
export function clickedLine({ clicked, controls }: Coverage): string {
  const n = controls.length;
  return `${clicked} of ${n} control${n === 1 ? "" : "s"} clicked (${n > 0 ? Math.round((clicked / n) * 100) : 0} %)`;
}
