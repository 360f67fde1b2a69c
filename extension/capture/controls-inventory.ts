/**
 * The page's controls inventory (page/controls.ts) for coverage: sent when a
 * page view starts and again when the set of controls changes (a dialog
 * opens, a list renders, the width hides a menu), at most once per
 * `settleMs` after changes stop, so that a busy page costs one scan a
 * settle, not one per mutation. An unchanged set is not sent again in the
 * same view. The first controls within MAX_INVENTORY_CHARS are sent.
 */
import { fitInventory } from "../../protocol/coverage";
import { pageControls } from "../page/controls";

/** Quiet time after a change before the page is scanned again. */
export const SETTLE_MS = 1000;

export class ControlsInventory {
  private path = "";
  private last = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly observer: MutationObserver;

  constructor(
    private readonly doc: Document,
    private readonly send: (path: string, selectors: string[]) => void,
    signal: AbortSignal,
    private readonly settleMs = SETTLE_MS,
  ) {
    this.observer = new MutationObserver(() => this.schedule());
    // What can add, remove, show or hide a control, or rename it.
    this.observer.observe(doc.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["id", "class", "style", "hidden", "inert", "aria-hidden", "href", "role", "tabindex", "type"],
    });
    doc.defaultView?.addEventListener("resize", () => this.schedule(), { passive: true, signal });
    signal.addEventListener("abort", () => {
      this.observer.disconnect();
      if (this.timer !== null) clearTimeout(this.timer);
    });
  }

  /** A view of `path` began: its inventory is sent now. */
  startView(path: string): void {
    this.path = path;
    this.last = "";
    this.scan();
  }

  private schedule(): void {
    if (!this.path) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.scan();
    }, this.settleMs);
  }

  private scan(): void {
    const selectors = fitInventory(pageControls(this.doc).map((control) => control.selector));
    const text = JSON.stringify(selectors);
    if (text === this.last) return;
    this.last = text;
    this.send(this.path, selectors);
  }
}
