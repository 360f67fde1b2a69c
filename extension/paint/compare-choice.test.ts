import { describe, expect, it } from "vitest";
import type { PageTags } from "../../protocol/compare";
import { compareChoices, comparisonOf, type KnownTags, testerChoices } from "./compare-choice";

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
});
