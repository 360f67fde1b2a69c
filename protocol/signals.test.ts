import { describe, expect, it } from "vitest";
import { MAX_SIGNALS_PER_GROUP, SignalKind } from "./signals";
import { describeIssues, PagePoints } from "./wire";

const base = { origin: "https://a.test", path: "/p", w: 1280, t0: 1_795_837_080_751, pts: [] as number[] };

/** The reason the companion gives for a group, or null when it is valid. */
function refusal(group: unknown): string | null {
  const parsed = PagePoints.safeParse(group);
  return parsed.success ? null : describeIssues(parsed.error);
}

describe("PagePoints with signals", () => {
  it("a group of signals alone is valid: [dt, kind, a] triples naming the group's anchors", () => {
    expect(
      refusal({ ...base, anchors: ["#buy", "#pay"], signals: [0, SignalKind.rage, 1, 40, SignalKind.error, 2] }),
    ).toBe(null);
  });

  it("refuses each bad signal with its reason", () => {
    const cases: [unknown, RegExp][] = [
      [{ ...base, anchors: ["#buy"], signals: [0, 3, 1] }, /signals\.1: must be an integer from 0 to 2/],
      [
        { ...base, anchors: ["#buy"], signals: [0, 0, 2] },
        /signals\.2: a signal's anchor 2 is not in the group's anchors/,
      ],
      [{ ...base, anchors: ["#buy"], signals: [0, 0, 0] }, /anchor 0 is not in the group's anchors/],
      [{ ...base, signals: [0, 0, 1] }, /anchor 1 is not in the group's anchors/],
      [{ ...base, anchors: ["#buy"], signals: [0, 0] }, /signals must hold \[dt, kind, a\] triples/],
      [{ ...base, anchors: ["#buy"], signals: [-1, 0, 1] }, /signals\.0: must be an integer/],
      [
        {
          ...base,
          anchors: ["#buy"],
          signals: Array.from({ length: MAX_SIGNALS_PER_GROUP + 1 }, () => [0, 0, 1]).flat(),
        },
        /signals holds more than 192 numbers/,
      ],
      [{ ...base, anchors: ["#buy"], signals: [] }, /at least one point or scroll mark, a signal or a controls list/],
    ];
    for (const [group, reason] of cases) expect(refusal(group)).toMatch(reason);
  });
});
