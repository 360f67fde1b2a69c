/**
 * The page's controls inventory (page/controls.ts) for coverage: sent when a
 * page view starts and again when the set of controls changes (a dialog
 * opens, a list renders, the width hides a menu), scanned at most once per
 * `settleMs` after a change, so that a busy page costs one scan a period,
 * not one per mutation, and a page that never stops changing (an animation)
 * is still scanned. An unchanged set is not sent again in the
 * same view. The first controls within MAX_INVENTORY_CHARS are sent.
 */
import { fitInventory } from "../../protocol/coverage";
import { pageControls } from "../page/controls";

/** Time from a change to the scan that takes it in; changes meanwhile wait for the same scan. */
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
    if (!this.path || this.timer !== null) return;
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
