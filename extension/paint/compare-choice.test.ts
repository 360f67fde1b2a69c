import { describe, expect, it } from "vitest";
import type { PageTags } from "../../protocol/compare";
import { parseShareUrl, shareUrl } from "../../protocol/share-link";
import { testShareView } from "../../tests/support/share-view";
import {
  compareChoices,
  comparisonOf,
  type KnownTags,
  linkedChoice,
  shareCompareOf,
  testerChoices,
} from "./compare-choice";

const tag = (label: string, last: number) => ({ label, points: 10, first: 0, last });
const tags = (builds: string[], testers: string[]): PageTags => ({
  builds: builds.map((label, i) => tag(label, 100 - i)),
  testers: testers.map((label, i) => tag(label, 100 - i)),
});
const NOW = 10 * 3_600_000;

describe("the compare choices", () => {
  it("offers Me vs the rest once this browser's tester is known, the two newest builds when there are two, and the hours always", () => {
    expect(compareChoices(null).map((c) => c.label)).toEqual(["Off", "Hour before vs last hour"]);
    const one: KnownTags = { tags: tags(["1.3"], ["ana"]), me: "ana" };
    expect(compareChoices(one).map((c) => c.label)).toEqual(["Off", "Me vs the rest", "Hour before vs last hour"]);
    const three: KnownTags = { tags: tags(["1.4", "1.3", "1.2"], ["ana", "bo"]), me: "ana" };
    expect(compareChoices(three).map((c) => c.label)).toEqual([
      "Off",
      "Me vs the rest",
      "Build 1.3 vs 1.4",
      "Hour before vs last hour",
    ]);
  });

  it("offers everyone, then each tester of the page, the newest first, and the tester on screen", () => {
    expect(testerChoices(null)).toEqual([{ value: "", label: "Everyone" }]);
    expect(testerChoices({ tags: tags([], ["bo", "ana"]), me: "ana" }).map((c) => c.value)).toEqual(["", "bo", "ana"]);
    // The tester on screen stays named, though this band's tags lack it.
    expect(testerChoices({ tags: tags([], ["bo"]), me: "ana" }, "ana").map((c) => c.value)).toEqual(["", "bo", "ana"]);
    expect(testerChoices(null, "ana").map((c) => c.label)).toEqual(["Everyone", "ana"]);
  });

  it("asks for this browser's tester against the rest, the older build against the newer, or the two last hours", () => {
    const known: KnownTags = { tags: tags(["1.4", "1.3"], ["ana"]), me: "ana" };
    expect(comparisonOf("me", known, NOW, null)).toEqual({ a: "tester:ana", b: "rest:ana" });
    expect(comparisonOf("builds", known, NOW, { from: 1.5, to: 9.2 })).toEqual({
      a: "build:1.3",
      b: "build:1.4",
      from: 1,
      to: 10,
    });
    expect(comparisonOf("hours", null, NOW, null)).toEqual({
      a: "all",
      b: "all",
      aFrom: NOW - 7_200_000,
      aTo: NOW - 3_600_000,
      bFrom: NOW - 3_600_000,
      bTo: NOW,
    });
  });

  it("asks for nothing when off, or when the tags a choice needs are unknown", () => {
    expect(comparisonOf("off", null, NOW, null)).toBeNull();
    expect(comparisonOf("me", null, NOW, null)).toBeNull();
    expect(comparisonOf("builds", { tags: tags(["1.4"], []), me: "ana" }, NOW, null)).toBeNull();
  });

  it("link what is compared: me or builds over everything kept (all) or the link's range, the hours fixed at the copy", () => {
    const known: KnownTags = { tags: tags(["1.4", "1.3"], ["ana"]), me: "ana" };
    const me = { a: { kind: "tester", label: "ana" }, b: { kind: "rest", label: "ana" } } as const;
    expect(shareCompareOf("me", known, NOW, null, null)).toEqual({
      ...me,
      aSpan: { kind: "all" },
      bSpan: { kind: "all" },
    });
    expect(shareCompareOf("me", known, NOW, { from: 1, to: 2 }, null)).toEqual({ ...me, aSpan: null, bSpan: null });
    expect(shareCompareOf("hours", known, NOW, null, null)).toEqual({
      a: { kind: "all" },
      b: { kind: "all" },
      aSpan: { kind: "range", from: NOW - 7_200_000, to: NOW - 3_600_000 },
      bSpan: { kind: "range", from: NOW - 3_600_000, to: NOW },
    });
    expect(shareCompareOf("off", known, NOW, null, null)).toBeNull();
  });

  it("open a linked comparison as Me vs the rest or the builds when it is just that, else as its own choice", () => {
    const known: KnownTags = { tags: tags(["1.4", "1.3"], ["ana", "bo"]), me: "ana" };
    const view = testShareView({ origin: "https://shop.example" });
    // Through a link and back, as a tab opened from it gets the comparison.
    const through = (choice: "me" | "builds" | "hours", range: { from: number; to: number } | null) => {
      const compare = shareCompareOf(choice, known, NOW, range, null) ?? undefined;
      const time = range ? { kind: "range" as const, ...range } : view.time;
      const parsed = parseShareUrl(shareUrl("http://c", { ...view, time, compare }));
      return parsed.ok && parsed.view.compare ? linkedChoice(parsed.view.compare, known, range !== null) : null;
    };
    expect(through("me", null)).toBe("me");
    expect(through("me", { from: NOW - 1000, to: NOW })).toBe("me");
    expect(through("builds", null)).toBe("builds");
    expect(through("hours", null)).toBe("link");
    // Bo's "me" is not this browser's: shown as the link's own comparison, and offered by its sets.
    const bo = { a: { kind: "tester", label: "bo" }, b: { kind: "rest", label: "bo" } } as const;
    const linked = { ...bo, aSpan: { kind: "all" }, bSpan: { kind: "all" } } as const;
    expect(linkedChoice(linked, known, false)).toBe("link");
    expect(compareChoices(known, linked).at(-1)).toEqual({ value: "link", label: "tester:bo vs rest:bo" });
  });

  it("ask for a linked comparison: each side's span, everything kept for all, else the history row's range or the last window", () => {
    const compare = {
      a: { kind: "build", label: "1.3" },
      b: { kind: "build", label: "1.4" },
      aSpan: { kind: "all" },
      bSpan: null,
    } as const;
    const linked = { compare, windowMs: 300_000 };
    expect(comparisonOf("link", null, NOW, null, linked)).toEqual({
      a: "build:1.3",
      b: "build:1.4",
      bFrom: NOW - 300_000,
      bTo: NOW,
    });
    expect(comparisonOf("link", null, NOW, { from: 5, to: 9 }, linked)).toEqual({
      a: "build:1.3",
      b: "build:1.4",
      bFrom: 5,
      bTo: 9,
    });
    const ranged = { ...compare, aSpan: { kind: "range", from: 1, to: 2 } } as const;
    expect(comparisonOf("link", null, NOW, null, { compare: ranged, windowMs: 1000 })).toMatchObject({
      aFrom: 1,
      aTo: 2,
    });
    expect(comparisonOf("link", null, NOW, null, null)).toBeNull();
  });
});
