/**
 * What the dashboard's Compare section says of a comparison
 * (protocol/compare.ts): each set's name, the sentence stating the test, its
 * threshold and what it found, the element table's cells, and the two colours
 * of the difference map (blue where A holds the larger share, orange where B
 * does; Okabe–Ito's pair, told apart with any colour vision). Pure.
 */
import type { CompareSet, CompareTest, ElementChange } from "../../protocol/compare";

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
