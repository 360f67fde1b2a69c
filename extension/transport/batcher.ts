/**
 * Groups cursor samples into wire batches: one entry per (site, page, width), points
 * as `[dt, x, y, flags]` relative to the entry's first capture time. Pure: the
 * caller decides when to take a batch.
 */
import type { Sample } from "../../protocol/messages";
import type { PagePoints } from "../../protocol/wire";

export class Batcher {
  private pages = new Map<string, PagePoints>();
  private count = 0;

  add(sample: Sample): void {
    const id = `${sample.w} ${sample.origin}${sample.path}`;
    let page = this.pages.get(id);
    if (!page || sample.t < page.t0) {
      // A sample older than the entry's start (clock stepped back) opens its own entry.
      if (page) this.pages.set(`${id} ${this.count}`, page);
      page = { origin: sample.origin, path: sample.path, w: sample.w, t0: sample.t, pts: [] };
      this.pages.set(id, page);
    }
    page.pts.push(sample.t - page.t0, sample.x, sample.y, sample.flags);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The pages gathered since the last call, or null if there were none. */
  take(): PagePoints[] | null {
    if (this.count === 0) return null;
    const pages = [...this.pages.values()];
    this.pages = new Map();
    this.count = 0;
    return pages;
  }
}
