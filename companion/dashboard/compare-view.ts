/**
 * What the dashboard's Compare section says of a comparison
 * (protocol/compare.ts): each set's name, the sentence stating the test, its
 * threshold and what it found, the element table's cells, and the two colours
 * of the difference map (blue where A holds the larger share, orange where B
 * does; Okabe–Ito's pair, told apart with any colour vision), and the choices
 * of sets and spans as `[value, label]` options. Pure.
 */
import {
  type CompareSet,
  type CompareTest,
  type ElementChange,
  formatCompareSet,
  type PageTags,
} from "../../protocol/compare";
import { type Compare, type SideTime, sideTimeLabel, type Time, timeLabel, writeSideTime } from "./view-state";

/** "everyone", "build 1.4.0", "Ada", "everyone but Ada". */
export function setLabel(set: CompareSet): string {
  switch (set.kind) {
    case "all":
      return "everyone";
    case "build":
      return `build ${set.label}`;
    case "tester":
      return set.label;
    case "rest":
      return `everyone but ${set.label}`;
  }
}

/**
 * "Two-proportion z-test per element, …, Holm-corrected, α 0.05, z² divided by
 * a dispersion factor of 1.00, elements with at least 10 points: 2 of 14
 * elements changed beyond chance."
 */
export function testStatement(test: CompareTest): string {
  const name = test.name.charAt(0).toUpperCase() + test.name.slice(1);
  const elements = (n: number) => `${n} element${n === 1 ? "" : "s"}`;
  return (
    `${name}, α ${test.alpha}, z² divided by a dispersion factor of ${test.dispersion.toFixed(2)}, ` +
    `elements with at least ${test.minCount} points on both sides together: ` +
    `${test.flagged} of ${elements(test.tested)} changed beyond chance.`
  );
}

/** "12.5 %" */
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** The corrected p-value as read against α: "< 0.0001", "0.0312", "1". */
function pValue(p: number): string {
  if (p < 0.0001) return "< 0.0001";
  return p >= 1 ? "1" : p.toFixed(4);
}

/** "+1.50", "−0.67", "±0.00": a signed number with a true minus sign. */
function signed(n: number, digits: number): string {
  const text = Math.abs(n).toFixed(digits);
  return `${Number(text) === 0 ? "±" : n > 0 ? "+" : "−"}${text}`;
}

/** One table row's cells: selector, A share, B share, change (percentage points), z, corrected p, verdict. */
export function elementCells(e: ElementChange): string[] {
  const verdict = e.flagged ? "changed" : e.tested ? "no" : "not tested (too few points)";
  return [
    e.s,
    `${percent(e.shareA)} (${e.a})`,
    `${percent(e.shareB)} (${e.b})`,
    `${signed((e.shareB - e.shareA) * 100, 1)} pts`,
    e.tested ? signed(e.z, 2) : "–",
    e.tested ? pValue(e.p) : "–",
    verdict,
  ];
}

/** The colour of the side holding the larger share: A blue, B orange. */
export const SIDE_COLOURS = { a: [0, 114, 178], b: [230, 159, 0] } as const;

/**
 * A tile's colour for a difference `diff` (tileDifferences' units) against
 * the largest `max`: its side's colour, more opaque the larger; the square
 * root keeps a small difference visible beside one much larger.
 */
export function differenceColour(diff: number, max: number): string {
  const [r, g, b] = diff > 0 ? SIDE_COLOURS.b : SIDE_COLOURS.a;
  const strength = max > 0 ? Math.sqrt(Math.min(1, Math.abs(diff) / max)) : 0;
  return `rgba(${r}, ${g}, ${b}, ${(0.25 + 0.75 * strength).toFixed(3)})`;
}

/** "0.35 %": a difference in 1/10 000 of a side's total, as a share. */
export function differenceShare(diff: number): string {
  return `${(Math.abs(diff) / 100).toFixed(2)} %`;
}

/** The sets a page can compare, as `[value, label]`: everyone, each build, each tester and everyone but each; the sets of `shown` stay offered. */
export function setChoices(tags: PageTags, shown: Compare | null): string[][] {
  const sets: CompareSet[] = [
    { kind: "all" },
    ...tags.builds.map((b): CompareSet => ({ kind: "build", label: b.label })),
    ...tags.testers.flatMap((t): CompareSet[] => [
      { kind: "tester", label: t.label },
      { kind: "rest", label: t.label },
    ]),
  ];
  for (const set of shown ? [shown.a, shown.b] : []) {
    if (!sets.some((s) => formatCompareSet(s) === formatCompareSet(set))) sets.push(set);
  }
  return sets.map((set) => [formatCompareSet(set), setLabel(set)]);
}

/**
 * The spans a side can read, as `[value, label]` (values as `aTime` writes
 * them, "" for the view's time): the view's time, then the last and the
 * previous of each window length, an hour and a day; a side's own range stays offered.
 */
export function sideTimeChoices(windowsMs: readonly number[], time: Time, side: SideTime | null): string[][] {
  const lengths = [...new Set([...windowsMs, 3_600_000, 86_400_000])].sort((x, y) => x - y);
  const options = [["", `the view's time (${timeLabel(time)})`]];
  for (const kind of ["last", "before"] as const) {
    for (const ms of lengths) options.push([`${kind}:${ms}`, sideTimeLabel({ kind, ms }, time)]);
  }
  const text = side ? writeSideTime(side) : null;
  if (side && text !== null && !options.some(([value]) => value === text))
    options.push([text, sideTimeLabel(side, time)]);
  return options;
}
