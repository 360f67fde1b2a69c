import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ANCHOR_UNITS, MAX_ANCHORS_PER_GROUP, ScrollMark } from "./anchor";
import { describeIssues, PagePoints } from "./wire";

/** A valid page group: points, their anchors (some none) and scroll marks. */
const group = fc
  .record({
    anchors: fc.array(fc.stringMatching(/^[#.a-z0-9 >[\]=-]{1,40}$/), { minLength: 1, maxLength: 8 }),
    points: fc.array(
      fc.tuple(fc.nat(5000), fc.nat(5000), fc.nat(3), fc.nat(), fc.nat(ANCHOR_UNITS - 1), fc.nat(ANCHOR_UNITS - 1)),
      {
        minLength: 1,
        maxLength: 20,
      },
    ),
    marks: fc.array(
      fc.oneof(
        fc.tuple(fc.nat(1000), fc.constant(ScrollMark.view), fc.nat(4000)),
        fc.tuple(
          fc.nat(1000),
          fc.constantFrom(ScrollMark.reach, ScrollMark.box),
          fc.integer({ min: 1, max: 20 }).map((s) => s * 5),
        ),
      ),
      { maxLength: 10 },
    ),
  })
  .map(({ anchors, points, marks }) => ({
    origin: "https://a.test",
    path: "/p",
    w: 1280,
    t0: 1_795_837_080_751,
    pts: points.flatMap(([x, y, flags]) => [0, x, y, flags]),
    anchors,
    at: points.flatMap(([, , , a, u, v]) => [a % (anchors.length + 1), u, v]),
    scroll: marks.flat(),
  }));

type Group = ReturnType<typeof PagePoints.parse>;

/** Ways to spoil a valid group, each with the reason the companion gives. */
const spoil: [string, (g: Group) => void, RegExp][] = [
  [
    "anchor index past the table",
    (g) => g.at?.splice(0, 1, (g.anchors?.length ?? 0) + 1),
    /is not in the group's anchors/,
  ],
  ["u of 1024", (g) => g.at?.splice(1, 1, ANCHOR_UNITS), /at\.1: .*1023/],
  ["v of 1024", (g) => g.at?.splice(2, 1, ANCHOR_UNITS), /at\.2: .*1023/],
  ["an at triple short", (g) => g.at?.pop(), /one \[a, u, v\] triple per point/],
  ["a control character", (g) => g.anchors?.splice(0, 1, "#a\n"), /no control characters/],
  [
    "too many anchors",
    (g) => g.anchors?.push(...Array.from({ length: MAX_ANCHORS_PER_GROUP }, (_, i) => `#x${i}`)),
    /<=256/,
  ],
  ["scroll kind 3", (g) => g.scroll?.push(0, 3, 50), /kind must be 0, 1 or 2/],
  ["scroll depth 52", (g) => g.scroll?.push(0, ScrollMark.reach, 52), /multiple of 5/],
  ["scroll depth 105", (g) => g.scroll?.push(0, ScrollMark.box, 105), /multiple of 5/],
  ["scroll depth 0", (g) => g.scroll?.push(0, ScrollMark.reach, 0), /multiple of 5/],
  ["scroll cut short", (g) => g.scroll?.push(0, ScrollMark.view), /triples/],
];

describe("PagePoints with anchors and scroll marks", () => {
  it("accepts every well-formed group and refuses each spoiled one with its reason", () => {
    fc.assert(
      fc.property(group, fc.nat(spoil.length - 1), (valid, which) => {
        expect(PagePoints.safeParse(valid).success).toBe(true);
        const [, mutate, reason] = spoil[which] as (typeof spoil)[number];
        const bad = structuredClone(valid) as Group;
        mutate(bad);
        const parsed = PagePoints.safeParse(bad);
        expect(parsed.success).toBe(false);
        if (!parsed.success) expect(describeIssues(parsed.error)).toMatch(reason);
      }),
      { numRuns: 500 },
    );
  });
});
