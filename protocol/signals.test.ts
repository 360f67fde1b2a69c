import { describe, expect, it } from "vitest";
import { MAX_SIGNALS_PER_GROUP, MAX_STEPS_PER_SIGNAL, SignalKind } from "./signals";
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

  it("a signal's steps are one list of anchor numbers per signal, each at most MAX_STEPS_PER_SIGNAL long; groups without steps stay valid", () => {
    const anchors = ["#qty-plus", "#buy", "#pay"];
    const signals = [900, SignalKind.rage, 2, 2000, SignalKind.dead, 3];
    expect(refusal({ ...base, anchors, signals, steps: [[1, 1, 2, 2], []] })).toBe(null);
    expect(refusal({ ...base, anchors, signals, steps: [[1, 2, 3, 1, 2], [3]] })).toBe(null);
    expect(refusal({ ...base, anchors, signals })).toBe(null);
  });

  it("refuses bad steps with a reason naming the signal and the step", () => {
    const anchors = ["#qty-plus", "#buy"];
    const signals = [900, SignalKind.rage, 2, 950, SignalKind.dead, 1];
    const cases: [unknown, RegExp][] = [
      [[[1], [3]], /^steps\.1\.0: a step's anchor 3 is not in the group's anchors$/],
      [[[1, 0], []], /^steps\.0\.1: a step is 1 \+ an index into the group's anchors$/],
      [[[1.5], []], /^steps\.0\.0: a step is 1 \+ an index into the group's anchors$/],
      [[["#buy"], []], /^steps\.0\.0: a step is 1 \+ an index into the group's anchors$/],
      [[Array(MAX_STEPS_PER_SIGNAL + 1).fill(1), []], /^steps\.0: a signal has at most 5 steps$/],
      [[[1]], /^steps: steps must hold one list per signal$/],
      [[[1], [], []], /^steps: steps must hold one list per signal$/],
      [[1, 2], /^steps\.0: a signal's steps are a list of anchor numbers$/],
      ["#buy", /^steps: steps must be an array of lists of anchor numbers$/],
    ];
    for (const [steps, reason] of cases)
      expect(refusal({ ...base, anchors, signals, steps }), String(steps)).toMatch(reason);
    // Steps without signals are no signal's.
    expect(refusal({ ...base, pts: [0, 1, 1, 0], anchors, steps: [[1]] })).toMatch(
      /^steps: steps must hold one list per signal$/,
    );
  });
});
