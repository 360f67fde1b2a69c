import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_ANCHORS_PER_GROUP, MAX_SCROLL_MARKS_PER_GROUP, ScrollMark } from "../../protocol/anchor";
import type { Sample } from "../../protocol/messages";
import { MAX_SIGNALS_PER_GROUP, SignalKind } from "../../protocol/signals";
import { PagePoints } from "../../protocol/wire";
import { Batcher, MAX_BATCH_BYTES } from "./batcher";

const SITE = "http://shop.test";

function point(t: number, x: number, anchor?: Sample["anchor"]): Sample {
  return { id: `p${t}:${x}`, origin: SITE, path: "/", w: 1280, t, x, y: 1, flags: 0, ...(anchor && { anchor }) };
}

function mark(t: number, kind: 0 | 1 | 2, value: number): Sample {
  return {
    id: `m${t}:${kind}:${value}`,
    origin: SITE,
    path: "/",
    w: 1280,
    t,
    x: 0,
    y: 0,
    flags: 0,
    mark: { kind, value },
  };
}

function signal(t: number, kind: SignalKind, s: string, steps?: string[]): Sample {
  const id = `s${t}:${kind}`;
  return {
    id,
    origin: SITE,
    path: "/",
    w: 1280,
    t,
    x: 0,
    y: 0,
    flags: 0,
    signal: { kind, s, ...(steps && { steps }) },
  };
}

/** Every batch's pages, in order; each page valid on the wire and each batch within the byte bound. */
function batch(samples: Sample[]): PagePoints[] {
  const batcher = new Batcher();
  for (const sample of samples) batcher.add(sample);
  const batches = batcher.take();
  for (const { pages } of batches) expect(encodedBytes(pages)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  const pages = batches.flatMap((b) => b.pages);
  for (const page of pages) expect(PagePoints.safeParse(page).error).toBeUndefined();
  return pages;
}

/** The batch message's size as the link sends it, with the longest seq and sentAt. */
function encodedBytes(pages: PagePoints[]): number {
  const message = { type: "batch", seq: Number.MAX_SAFE_INTEGER, sentAt: Number.MAX_SAFE_INTEGER, pages };
  return new TextEncoder().encode(JSON.stringify(message)).length;
}

describe("Batcher", () => {
  it("groups without anchors or marks are as before: no anchors, at or scroll", () => {
    expect(batch([point(100, 1), point(150, 2)])).toEqual([
      { origin: SITE, path: "/", w: 1280, t0: 100, pts: [0, 1, 1, 0, 50, 2, 1, 0] },
    ]);
  });

  it("names each selector once in the group's table; each point has [a, u, v], 0 without an anchor", () => {
    const [page] = batch([
      point(0, 1, { s: "#buy", u: 10, v: 20 }),
      point(1, 2),
      point(2, 3, { s: ".price", u: 1023, v: 0 }),
      point(3, 4, { s: "#buy", u: 500, v: 600 }),
    ]);
    expect(page?.anchors).toEqual(["#buy", ".price"]);
    expect(page?.at).toEqual([1, 10, 20, 0, 0, 0, 2, 1023, 0, 1, 500, 600]);
  });

  it("scroll marks are [dt, kind, value] triples and no points; a group of marks alone has no pts", () => {
    const [page] = batch([mark(10, ScrollMark.view, 800), mark(12, ScrollMark.reach, 5), mark(12, ScrollMark.box, 5)]);
    expect(page).toEqual({ origin: SITE, path: "/", w: 1280, t0: 10, pts: [], scroll: [0, 0, 800, 2, 1, 5, 2, 2, 5] });
    const [mixed] = batch([point(0, 7, { s: "#a", u: 1, v: 2 }), mark(5, ScrollMark.reach, 10)]);
    expect(mixed).toMatchObject({ pts: [0, 7, 1, 0], anchors: ["#a"], at: [1, 1, 2], scroll: [5, 1, 10] });
  });

  it("signals are [dt, kind, a] triples naming the anchor table that points share; alone they are a group", () => {
    const [page] = batch([
      point(0, 1, { s: "#buy", u: 1, v: 2 }),
      signal(5, SignalKind.rage, "#buy"),
      signal(9, SignalKind.dead, "#pay"),
    ]);
    expect(page).toMatchObject({ pts: [0, 1, 1, 0], anchors: ["#buy", "#pay"], at: [1, 1, 2] });
    expect(page?.signals).toEqual([5, SignalKind.rage, 1, 9, SignalKind.dead, 2]);
    const [alone] = batch([signal(3, SignalKind.error, "#x")]);
    expect(alone).toEqual({
      origin: SITE,
      path: "/",
      w: 1280,
      t0: 3,
      pts: [],
      anchors: ["#x"],
      at: [],
      signals: [0, 2, 1],
    });
    const many = Array.from({ length: MAX_SIGNALS_PER_GROUP + 1 }, (_, i) => signal(i, SignalKind.dead, "#b"));
    expect(batch(many).map((p) => (p.signals?.length ?? 0) / 3)).toEqual([MAX_SIGNALS_PER_GROUP, 1]);
  });

  it("a signal's steps name the group's anchor table, one list per signal, [] for a signal without; none sent without any", () => {
    const [page] = batch([
      point(0, 1, { s: "#qty-plus", u: 1, v: 2 }),
      signal(4, SignalKind.dead, "#old"),
      signal(5, SignalKind.rage, "#buy", ["#qty-plus", "#buy", "#buy"]),
      signal(9, SignalKind.dead, "#pay", []),
    ]);
    expect(page?.anchors).toEqual(["#qty-plus", "#old", "#buy", "#pay"]);
    expect(page?.signals).toEqual([4, SignalKind.dead, 2, 5, SignalKind.rage, 3, 9, SignalKind.dead, 4]);
    expect(page?.steps).toEqual([[], [1, 3, 3], []]);
    expect(PagePoints.safeParse(page).success).toBe(true);
    expect(batch([signal(3, SignalKind.error, "#x")])[0]).not.toHaveProperty("steps");
    // A signal whose steps would pass the anchor table's bound opens another group, where it fits whole.
    const full = Array.from({ length: MAX_ANCHORS_PER_GROUP - 1 }, (_, i) => point(i, i, { s: `#a${i}`, u: 0, v: 0 }));
    const pages = batch([...full, signal(999, SignalKind.rage, "#new", ["#step1", "#step2"])]);
    expect(pages.map((p) => p.anchors?.length)).toEqual([MAX_ANCHORS_PER_GROUP - 1, 3]);
    expect(pages[1]).toMatchObject({ anchors: ["#new", "#step1", "#step2"], signals: [0, 0, 1], steps: [[2, 3]] });
  });

  it("a group full of anchors or of marks is closed and the page goes on in another", () => {
    const many = Array.from({ length: MAX_ANCHORS_PER_GROUP + 1 }, (_, i) => point(i, i, { s: `#a${i}`, u: 0, v: 0 }));
    const pages = batch([...many, point(999, 5, { s: "#a0", u: 3, v: 3 })]);
    expect(pages.map((page) => page.anchors?.length)).toEqual([MAX_ANCHORS_PER_GROUP, 2]);
    expect(pages[1]?.anchors).toEqual([`#a${MAX_ANCHORS_PER_GROUP}`, "#a0"]);
    const marks = Array.from({ length: MAX_SCROLL_MARKS_PER_GROUP + 1 }, (_, i) => mark(i, ScrollMark.view, 700));
    expect(batch(marks).map((page) => (page.scroll?.length ?? 0) / 3)).toEqual([MAX_SCROLL_MARKS_PER_GROUP, 1]);
  });

  it("a controls inventory becomes its group's controls, the newest one kept; alone it is a valid group with no points", () => {
    const inventory = (t: number, controls: string[]): Sample => ({ ...point(t, 0), id: `c${t}`, controls });
    expect(batch([inventory(1, ["#old"]), point(2, 5), inventory(3, ["#a", "#b"])])).toEqual([
      { origin: SITE, path: "/", w: 1280, t0: 1, pts: [1, 5, 1, 0], controls: ["#a", "#b"] },
    ]);
    expect(batch([inventory(1, ["#a"])])).toEqual([
      { origin: SITE, path: "/", w: 1280, t0: 1, pts: [], controls: ["#a"] },
    ]);
  });

  it("points of two build labels never share a group: each label's group carries it, a group without one has none", () => {
    const tagged = (t: number, x: number, build?: string): Sample => ({ ...point(t, x), ...(build && { build }) });
    expect(batch([tagged(1, 1, "lab-2"), tagged(2, 2), tagged(3, 3, "lab-3"), tagged(4, 4, "lab-2")])).toEqual([
      { origin: SITE, path: "/", w: 1280, t0: 1, pts: [0, 1, 1, 0, 3, 4, 1, 0], build: "lab-2" },
      { origin: SITE, path: "/", w: 1280, t0: 2, pts: [0, 2, 1, 0] },
      { origin: SITE, path: "/", w: 1280, t0: 3, pts: [0, 3, 1, 0], build: "lab-3" },
    ]);
  });

  it("nothing to take gives no batch", () => {
    expect(new Batcher().take()).toEqual([]);
  });

  it("a batch stays within MAX_BATCH_BYTES (long unicode anchors included); the rest goes on in the next, nothing lost", () => {
    // Each point names a new 500-character selector of 3-byte characters: about 1.5 KB each.
    const selector = (i: number) => `[data-testid="${"€".repeat(490)}${i}"]`;
    const samples = Array.from({ length: 300 }, (_, i) => ({
      ...point(i, i, { s: selector(i), u: 1, v: 2 }),
      origin: i % 2 ? SITE : "http://other.test",
    }));
    const batcher = new Batcher();
    for (const sample of samples) batcher.add(sample);
    const batches = batcher.take();
    expect(batches.length).toBeGreaterThan(1);
    for (const { pages } of batches) {
      expect(encodedBytes(pages)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      // Filled, not split early: the next batch's first sample would not have fitted.
      expect(encodedBytes(pages)).toBeGreaterThan(MAX_BATCH_BYTES - 2 * 1600);
    }
    expect(batches.reduce((sum, b) => sum + b.samples, 0)).toBe(samples.length);
    const anchors = batches.flatMap((b) => b.pages.flatMap((page) => page.anchors ?? []));
    expect(anchors.sort()).toEqual(samples.map((s) => s.anchor?.s).sort());
    expect(batcher.take()).toEqual([]);
  });

  it("every group is valid on the wire and gives back each point's anchor, each mark and each one's build label", () => {
    const anchor = fc.option(
      fc.record({
        s: fc.oneof(
          fc.constantFrom("#a", ".b", '[data-testid="c"]', "main > p:nth-of-type(2)"),
          // Long selectors of any characters (control characters are no selector's).
          fc
            .string({ unit: "binary", minLength: 300, maxLength: 512 })
            // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
            .map((s) => s.replace(/[\u0000-\u001f\u007f]/g, "x")),
        ),
        u: fc.nat(1023),
        v: fc.nat(1023),
      }),
      { nil: undefined },
    );
    // The longest label in 3-byte characters counts in the batch's bytes like any field.
    const build = fc.constantFrom(undefined, "lab-2", "€".repeat(64));
    const sample = fc
      .tuple(
        fc.oneof(
          fc.tuple(fc.nat(10_000), fc.nat(5000), anchor).map(([t, x, a]) => point(t, x, a)),
          fc
            .tuple(fc.nat(10_000), fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>, fc.integer({ min: 1, max: 20 }))
            .map(([t, kind, step]) => mark(t, kind, step * 5)),
        ),
        build,
      )
      .map(([s, b]): Sample => (b ? { ...s, build: b } : s));
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 300 }), (samples) => {
        const sorted = [...samples].sort((a, b) => a.t - b.t);
        const seen: string[] = [];
        for (const page of batch(sorted)) {
          for (let i = 0; i < page.pts.length / 4; i++) {
            const a = page.at?.[i * 3] ?? 0;
            const s = a === 0 ? "-" : `${page.anchors?.[a - 1]} ${page.at?.[i * 3 + 1]} ${page.at?.[i * 3 + 2]}`;
            seen.push(`p ${page.t0 + (page.pts[i * 4] ?? 0)} ${page.pts[i * 4 + 1]} ${s} ${page.build}`);
          }
          for (let i = 0; i < (page.scroll?.length ?? 0); i += 3) {
            seen.push(
              `m ${page.t0 + (page.scroll?.[i] ?? 0)} ${page.scroll?.[i + 1]} ${page.scroll?.[i + 2]} ${page.build}`,
            );
          }
        }
        const expected = sorted.map((s) =>
          s.mark
            ? `m ${s.t} ${s.mark.kind} ${s.mark.value} ${s.build}`
            : `p ${s.t} ${s.x} ${s.anchor ? `${s.anchor.s} ${s.anchor.u} ${s.anchor.v}` : "-"} ${s.build}`,
        );
        expect(seen.sort()).toEqual(expected.sort());
      }),
      { numRuns: 200 },
    );
  });
});
