/**
 * Groups samples into wire batches: one group per (site, page, width, build label), points
 * as `[dt, x, y, flags]` relative to the group's first capture time. Points
 * with anchors give the group its anchor table (each selector once) and each
 * point its `[a, u, v]`; scroll marks become `[dt, kind, value]` triples and
 * no point (protocol/wire.ts `PagePoints`); a controls inventory becomes
 * the group's `controls` (the newest one, if the page sent two); a click signal becomes a
 * `[dt, kind, a]` triple of `signals`, its element in the anchor table like a point's, and its steps
 * (the clicks before it) a list of `steps` naming the same table. A group that
 * would pass the protocol's bounds (anchors, scroll marks or signals per group) is closed and another
 * opened for the same page. A batch's encoded size (anchors included) stays
 * within MAX_BATCH_BYTES, below the companion's default frame limit
 * (`--max-frame-bytes`, 256 KiB) with room to spare, since the extension
 * cannot know a lowered one: what would pass it goes into the next batch.
 * Pure: the caller decides when to take the batches.
 */
import { MAX_ANCHORS_PER_GROUP, MAX_SCROLL_MARKS_PER_GROUP } from "../../protocol/anchor";
import type { Sample } from "../../protocol/messages";
import { MAX_SIGNALS_PER_GROUP } from "../../protocol/signals";
import type { PagePoints } from "../../protocol/wire";

/** Largest batch message, in UTF-8 bytes of its JSON. */
export const MAX_BATCH_BYTES = 64 * 1024;
/** The batch message around its pages: type, seq and sentAt at their longest. */
const ENVELOPE_BYTES = utf8Length(
  JSON.stringify({ type: "batch", seq: Number.MAX_SAFE_INTEGER, sentAt: Number.MAX_SAFE_INTEGER, pages: [] }),
);

/** One batch's pages and the samples (points and marks) they hold. */
export interface TakenBatch {
  pages: PagePoints[];
  samples: number;
}

interface Group {
  page: PagePoints;
  /** Selector → its index in the group's anchor table. */
  anchors: Map<string, number>;
  at: number[];
  scroll: number[];
  signals: number[];
  /** Per signal, its steps' anchor numbers. */
  steps: number[][];
  /** Whether any signal came with steps (samples from an older outbox come without). */
  stepped: boolean;
}

export class Batcher {
  private open = new Map<string, Group>();
  private closed: Group[] = [];
  private count = 0;
  private bytes = ENVELOPE_BYTES;
  private done: TakenBatch[] = [];

  add(sample: Sample): void {
    // A label holds no control characters (protocol/tags.ts), so \u0000 cannot be part of one.
    const id = `${sample.w} ${sample.origin}${sample.path}\u0000${sample.build ?? ""}`;
    let group = this.open.get(id);
    if (group && this.bytes + sampleBytes(group, sample) > MAX_BATCH_BYTES) {
      this.closeBatch();
      group = undefined;
    }
    if (!group || sample.t < group.page.t0 || !fits(group, sample)) {
      // A sample older than the group's start (clock stepped back), or past its bounds, opens another group.
      if (group) this.closed.push(group);
      if (this.bytes + groupBytes(sample) + sampleBytes(undefined, sample) > MAX_BATCH_BYTES) this.closeBatch();
      this.bytes += groupBytes(sample);
      group = {
        page: pageFields(sample),
        anchors: new Map(),
        at: [],
        scroll: [],
        signals: [],
        steps: [],
        stepped: false,
      };
      this.open.set(id, group);
    }
    this.bytes += sampleBytes(group, sample);
    const dt = sample.t - group.page.t0;
    if (sample.controls) {
      // The newest inventory of the page is the one that counts.
      group.page.controls = sample.controls;
    } else if (sample.mark) {
      group.scroll.push(dt, sample.mark.kind, sample.mark.value);
    } else if (sample.signal) {
      const { kind, s, steps } = sample.signal;
      group.signals.push(dt, kind, anchorIndex(group, s) + 1);
      group.steps.push((steps ?? []).map((step) => anchorIndex(group, step) + 1));
      if (steps) group.stepped = true;
    } else {
      group.page.pts.push(dt, sample.x, sample.y, sample.flags);
      const anchor = sample.anchor;
      if (anchor) group.at.push(anchorIndex(group, anchor.s) + 1, anchor.u, anchor.v);
      else group.at.push(0, 0, 0);
    }
    this.count++;
  }

  /** The batches gathered since the last call, oldest first; none when no sample came. */
  take(): TakenBatch[] {
    this.closeBatch();
    const batches = this.done;
    this.done = [];
    return batches;
  }

  private closeBatch(): void {
    if (this.count > 0) {
      this.done.push({ pages: [...this.closed, ...this.open.values()].map(toPage), samples: this.count });
    }
    this.open = new Map();
    this.closed = [];
    this.count = 0;
    this.bytes = ENVELOPE_BYTES;
  }
}

/** Where `selector` is in the group's anchor table, added if new. */
function anchorIndex(group: Group, selector: string): number {
  let index = group.anchors.get(selector);
  if (index === undefined) {
    index = group.anchors.size;
    group.anchors.set(selector, index);
  }
  return index;
}

/**
 * A group's bytes without its entries, at their longest: its page fields
 * and the empty anchors, at and scroll arrays. Entries count one comma each
 * (one more than they take), so the sum is a bound, not the exact size.
 */
function groupBytes(sample: Sample): number {
  const empty = { anchors: [], at: [], scroll: [], signals: [], steps: [] };
  return utf8Length(JSON.stringify({ ...pageFields(sample), ...empty })) + 1;
}

/** A new group's page fields, before any entry: the build label only when the sample has one. */
function pageFields(sample: Sample): PagePoints {
  const page: PagePoints = { origin: sample.origin, path: sample.path, w: sample.w, t0: sample.t, pts: [] };
  if (sample.build !== undefined) page.build = sample.build;
  return page;
}

/** What a sample adds to its group (a new group when `group` is undefined): its numbers and any new selector. */
function sampleBytes(group: Group | undefined, sample: Sample): number {
  const dt = group ? sample.t - group.page.t0 : 0;
  const numbers = (...values: number[]) => values.reduce((sum, n) => sum + String(n).length + 1, 0);
  // A replaced inventory still counts: a bound, not the exact size.
  if (sample.controls) return utf8Length(JSON.stringify({ controls: sample.controls })) + 1;
  if (sample.mark) return numbers(dt, sample.mark.kind, sample.mark.value);
  if (sample.signal) {
    const { s, steps = [] } = sample.signal;
    // Each new selector at its full length and each anchor number at the longest: a bound.
    const fresh = [...new Set([s, ...steps])].filter((selector) => !group?.anchors.has(selector));
    const selectors = fresh.reduce((sum, selector) => sum + utf8Length(JSON.stringify(selector)) + 1, 0);
    const longest = String(MAX_ANCHORS_PER_GROUP).length + 1;
    return selectors + numbers(dt, sample.signal.kind) + longest * (1 + steps.length) + 3;
  }
  const anchor = sample.anchor;
  const point = numbers(dt, sample.x, sample.y, sample.flags);
  if (!anchor) return point + numbers(0, 0, 0);
  const index = group?.anchors.get(anchor.s) ?? group?.anchors.size ?? 0;
  const selector = group?.anchors.has(anchor.s) ? 0 : utf8Length(JSON.stringify(anchor.s)) + 1;
  return point + selector + numbers(index + 1, anchor.u, anchor.v);
}

/** UTF-8 length of a JSON text (JSON.stringify escapes lone surrogates, so every code point is whole). */
function utf8Length(json: string): number {
  let bytes = 0;
  for (const char of json) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function fits(group: Group, sample: Sample): boolean {
  if (sample.controls) return true;
  if (sample.mark) return group.scroll.length < MAX_SCROLL_MARKS_PER_GROUP * 3;
  if (sample.signal) {
    if (group.signals.length >= MAX_SIGNALS_PER_GROUP * 3) return false;
    const { s, steps = [] } = sample.signal;
    const fresh = new Set([s, ...steps].filter((selector) => !group.anchors.has(selector)));
    return group.anchors.size + fresh.size <= MAX_ANCHORS_PER_GROUP;
  }
  const selector = sample.anchor?.s;
  if (selector === undefined || group.anchors.has(selector)) return true;
  return group.anchors.size < MAX_ANCHORS_PER_GROUP;
}

/**
 * The wire group: anchors and `at` only when a point or signal has an anchor, `scroll` and `signals` only
 * with some, `steps` only when a signal came with steps, as older groups.
 */
function toPage(group: Group): PagePoints {
  const page: PagePoints = { ...group.page };
  if (group.anchors.size > 0) {
    page.anchors = [...group.anchors.keys()];
    page.at = group.at;
  }
  if (group.scroll.length > 0) page.scroll = group.scroll;
  if (group.signals.length > 0) page.signals = group.signals;
  if (group.stepped) page.steps = group.steps;
  return page;
}
