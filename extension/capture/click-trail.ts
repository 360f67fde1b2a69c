/**
 * A signal's steps (protocol/signals.ts): the selectors of the last clicks
 * before its triggering click on the same page view, oldest first, at most
 * MAX_STEPS_PER_SIGNAL. A click under another page key (a route change that
 * re-keys the page) starts the trail again: another page's clicks are no steps
 * to this one. Taken at each click, so that a dead click judged a second later
 * still carries the clicks before it, not after.
 */
import { MAX_STEPS_PER_SIGNAL } from "../../protocol/signals";

export class ClickTrail {
  private page = "";
  private clicks: string[] = [];

  /** The clicks before this one on `page`; then this one joins the trail. */
  next(page: string, selector: string): string[] {
    if (page !== this.page) {
      this.page = page;
      this.clicks = [];
    }
    const before = this.clicks;
    this.clicks = [...before, selector].slice(-MAX_STEPS_PER_SIGNAL);
    return before;
  }
}
