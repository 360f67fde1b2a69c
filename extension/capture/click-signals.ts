/**
 * Rage, dead and error clicks (protocol/signals.ts), one definition of each,
 * with the thresholds (`SignalRules`) the companion's welcome gives (defaults
 * in brackets):
 *
 * - Rage: `rageClicks` clicks (3) on one element (one anchor selector) within
 *   `rageMs` (1 s) and `ragePx` (30 px) of the run's first, none of which got
 *   a reaction. A quantity stepper clicked fast changes the page at each
 *   click, so it is no rage; a triple click that selects text is a reaction
 *   (a selection) too. One rage per run: the run ends at a reaction, at a click
 *   elsewhere, or when it thins out below the count.
 * - Dead: a click on a control (page/controls.ts `isControl`, itself or an
 *   ancestor) after which the page shows no reaction within `deadMs` (1 s, so a
 *   button that answers after 800 ms is not dead). Not judged: text inputs,
 *   selects, labels and editable text (they react by typing), links that open
 *   elsewhere (`target` other than the frame itself, `download`, a modifier
 *   key), and clicks on anything that is not a control (text, to select it).
 *   A later click on the same element takes over the earlier's judgement; a
 *   click that made a rage or an error is not also dead.
 * - Error: a click followed within `errorMs` (1 s) by an uncaught error or an
 *   unhandled rejection in the page; one per click.
 *
 * A reaction is any DOM mutation outside the extension's overlay, a scroll, a
 * focus change, a text selection, a route change or the page going away. A
 * reaction cannot be told apart from the page's own background changes (a
 * ticking clock): on a page that never stops changing no rage or dead click
 * is found (fewer signals, never false ones).
 *
 * What a content script sees of errors, measured by tests/e2e/signals.e2e.test.ts:
 * Chromium never dispatches a page's `error` and `unhandledrejection` events
 * to an isolated world's listeners, so a relay in the page's own world
 * (page-errors.iife.ts) fires PAGE_ERROR_EVENT for each; the window's own
 * events are heard too, where the browser dispatches them to content scripts.
 * Only that an error happened is used, never its message, so cross-origin
 * scripts' sanitised details ("Script error.") cost nothing and no page text
 * is sent.
 */

import { SignalKind as Kind, type SignalKind, type SignalRules } from "../../protocol/signals";
import { composedParent } from "../page/composed-tree";
import { isControl } from "../page/controls";
import { isOverlayElement } from "../page/overlay-element";
import { onRouteChange } from "../page/route-changes";
import { PAGE_ERROR_EVENT } from "./page-error-event";

/** One click as the detector needs it. */
export interface ClickFacts {
  /** ms, on the clock that `reaction` and `error` times use. */
  t: number;
  x: number;
  y: number;
  /** The element, named as the click's anchored heat names it. */
  selector: string;
  /** Whether a missing reaction makes the click dead (a control, not one of the exclusions). */
  judged: boolean;
}

export interface SignalTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The detector's rules over plain facts, so that they are tested without a page. */
export class ClickSignals<C extends ClickFacts = ClickFacts> {
  private run: C[] = [];
  private raged = false;
  /** Clicks awaiting a reaction, by selector: the newest on each element. */
  private readonly pending = new Map<string, unknown>();
  private recent: C | null = null;
  private errored = false;

  constructor(
    /** The thresholds in force; read at each click, so that new rules from the companion apply at once. */
    private readonly rules: () => SignalRules,
    private readonly emit: (kind: SignalKind, click: C) => void,
    private readonly timers: SignalTimers,
  ) {}

  click(click: C): void {
    const { rageClicks, rageMs, ragePx, deadMs } = this.rules();
    const first = this.run[0];
    if (first && (first.selector !== click.selector || Math.hypot(first.x - click.x, first.y - click.y) > ragePx)) {
      this.endRun();
    }
    this.run = this.run.filter((earlier) => click.t - earlier.t <= rageMs);
    this.run.push(click);
    if (this.run.length < rageClicks) this.raged = false;
    this.cancel(click.selector);
    if (this.run.length >= rageClicks && !this.raged) {
      this.raged = true;
      this.emit(Kind.rage, click);
    } else if (click.judged && !this.raged) {
      this.pending.set(
        click.selector,
        this.timers.setTimeout(() => {
          this.pending.delete(click.selector);
          this.emit(Kind.dead, click);
        }, deadMs),
      );
    }
    this.recent = click;
    this.errored = false;
  }

  /** The page reacted: no click before now is dead, and no run goes on. */
  reaction(): void {
    this.endRun();
    for (const handle of this.pending.values()) this.timers.clearTimeout(handle);
    this.pending.clear();
  }

  /** An uncaught error or unhandled rejection at `t`. */
  error(t: number): void {
    const click = this.recent;
    if (!click || this.errored || t - click.t > this.rules().errorMs) return;
    this.errored = true;
    this.cancel(click.selector);
    this.emit(Kind.error, click);
  }

  dispose(): void {
    this.reaction();
    this.recent = null;
  }

  private endRun(): void {
    this.run = [];
    this.raged = false;
  }

  private cancel(selector: string): void {
    const handle = this.pending.get(selector);
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.pending.delete(selector);
  }
}

const TYPED_INPUTS =
  "input:not([type=button],[type=submit],[type=reset],[type=image]), textarea, select, option, label";

/** Whether a missing reaction to a click on `target` means something is broken (see the rules above). */
export function judgedForDead(target: Element, event: Pick<MouseEvent, "ctrlKey" | "metaKey" | "shiftKey" | "altKey">) {
  let control: Element | null = null;
  for (let el: Element | null = target; el; el = composedParent(el)) {
    if (el.matches(TYPED_INPUTS) || (el as HTMLElement).isContentEditable) return false;
    if (el.matches("a[href], area[href]")) {
      const frameTarget = (el.getAttribute("target") ?? "").toLowerCase();
      const opensElsewhere = !["", "_self", "_top", "_parent"].includes(frameTarget) || el.hasAttribute("download");
      if (opensElsewhere || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return false;
    }
    control ??= isControl(el) ? el : null;
  }
  return control !== null;
}

/**
 * Watches the window's reactions and errors for a ClickSignals; the tracker
 * feeds it the clicks (with their anchors, which it takes anyway) and calls
 * `clicked` at each, before the page's own handlers run. DOM changes are
 * observed only from a click until `quietMs` after the last one (no click is
 * judged later than that), so that a page's own churn costs nothing the rest
 * of the time.
 */
export function watchReactions(
  detector: Pick<ClickSignals, "reaction" | "error" | "dispose">,
  win: Window,
  signal: AbortSignal,
  /** How long after a click its judgement may still need a reaction: the longer of the dead and rage times. */
  quietMs: () => number,
): { clicked(): void } {
  const doc = win.document;
  const react = () => detector.reaction();
  const observer = new MutationObserver((records) => {
    if (records.some((record) => !isOverlayElement(record.target))) react();
  });
  let quiet: ReturnType<typeof setTimeout> | null = null;
  const clicked = () => {
    if (signal.aborted) return;
    if (quiet === null) {
      observer.observe(doc.documentElement, { childList: true, subtree: true, attributes: true, characterData: true });
    } else clearTimeout(quiet);
    quiet = setTimeout(() => {
      quiet = null;
      observer.disconnect();
    }, quietMs());
  };
  const listen = { capture: true, passive: true, signal };
  // Scroll does not bubble: in the capture phase the window hears every scroll container's too.
  win.addEventListener("scroll", react, listen);
  doc.addEventListener("focusin", react, listen);
  doc.addEventListener("focusout", react, listen);
  // A caret placed by a click is no reaction; a selected range (a double or triple click on text) is.
  doc.addEventListener(
    "selectionchange",
    () => {
      if (doc.getSelection()?.type === "Range") react();
    },
    listen,
  );
  win.addEventListener("pagehide", react, listen);
  onRouteChange(react, signal);
  const failed = (event: Event) => detector.error(event.timeStamp);
  win.addEventListener("error", failed, { signal });
  win.addEventListener("unhandledrejection", failed, { signal });
  win.addEventListener(PAGE_ERROR_EVENT, failed, { signal });
  signal.addEventListener("abort", () => {
    if (quiet !== null) clearTimeout(quiet);
    observer.disconnect();
    detector.dispose();
  });
  return { clicked };
}
