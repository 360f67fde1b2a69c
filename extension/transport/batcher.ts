/**
 * Groups samples into wire batches: one group per (site, page, width), points
 * as `[dt, x, y, flags]` relative to the group's first capture time. Points
 * with anchors give the group its anchor table (each selector once) and each
 * point its `[a, u, v]`; scroll marks become `[dt, kind, value]` triples and
 * no point (protocol/wire.ts `PagePoints`). A group that would pass the
 * protocol's bounds (anchors or scroll marks per group) is closed and another
 * opened for the same page. Pure: the caller decides when to take a batch.
 */
import { MAX_ANCHORS_PER_GROUP, MAX_SCROLL_MARKS_PER_GROUP } from "../../protocol/anchor";
import type { Sample } from "../../protocol/messages";
import type { PagePoints } from "../../protocol/wire";

interface Group {
  page: PagePoints;
  /** Selector → its index in the group's anchor table. */
  anchors: Map<string, number>;
  at: number[];
  scroll: number[];
}

export class Batcher {
  private open = new Map<string, Group>();
  private closed: Group[] = [];
  private count = 0;

  add(sample: Sample): void {
    const id = `${sample.w} ${sample.origin}${sample.path}`;
    let group = this.open.get(id);
    if (!group || sample.t < group.page.t0 || !fits(group, sample)) {
      // A sample older than the group's start (clock stepped back), or past its bounds, opens another group.
      if (group) this.closed.push(group);
      group = {
        page: { origin: sample.origin, path: sample.path, w: sample.w, t0: sample.t, pts: [] },
        anchors: new Map(),
        at: [],
        scroll: [],
      };
      this.open.set(id, group);
    }
    const dt = sample.t - group.page.t0;
    if (sample.mark) {
      group.scroll.push(dt, sample.mark.kind, sample.mark.value);
    } else {
      group.page.pts.push(dt, sample.x, sample.y, sample.flags);
      const anchor = sample.anchor;
      if (anchor) {
        let index = group.anchors.get(anchor.s);
        if (index === undefined) {
          index = group.anchors.size;
          group.anchors.set(anchor.s, index);
        }
        group.at.push(index + 1, anchor.u, anchor.v);
      } else group.at.push(0, 0, 0);
    }
    this.count++;
  }

  /** The groups gathered since the last call, or null if there were none. */
  take(): PagePoints[] | null {
    if (this.count === 0) return null;
    const groups = [...this.closed, ...this.open.values()];
    this.open = new Map();
    this.closed = [];
    this.count = 0;
    return groups.map(toPage);
  }
}

function fits(group: Group, sample: Sample): boolean {
  if (sample.mark) return group.scroll.length < MAX_SCROLL_MARKS_PER_GROUP * 3;
  if (!sample.anchor || group.anchors.has(sample.anchor.s)) return true;
  return group.anchors.size < MAX_ANCHORS_PER_GROUP;
}

/** The wire group: anchors and `at` only when a point has an anchor, `scroll` only with marks, as older groups. */
function toPage(group: Group): PagePoints {
  const page: PagePoints = { ...group.page };
  if (group.anchors.size > 0) {
    page.anchors = [...group.anchors.keys()];
    page.at = group.at;
  }
  if (group.scroll.length > 0) page.scroll = group.scroll;
  return page;
}
