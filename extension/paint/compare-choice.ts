/**
 * The panel's Compare and Tester choices, from the page's tags
 * (`GET /api/tags`), and the comparison each choice asks the companion for:
 * this browser's tester against everyone else, the page's two newest builds,
 * or the hour before the last against the last hour. Pure: the clock is passed in.
 */
import { formatCompareSet, type PageTags } from "../../protocol/compare";
import type { ComparisonRequest } from "../../protocol/messages";

export type CompareChoice = "off" | "me" | "builds" | "hours";

export interface Choice<T extends string> {
  value: T;
  label: string;
}

/** What the page's tags offer: absent before they come. */
export interface KnownTags {
  tags: PageTags;
  /** The tester this browser's points are tagged with. */
  me: string;
}

const HOUR_MS = 3_600_000;

/** The two newest builds, older first (A), newer second (B); null with fewer than two. */
function newestBuilds(tags: PageTags): [string, string] | null {
  const [newer, older] = tags.builds;
  return newer && older ? [older.label, newer.label] : null;
}

/** Off, "Me vs the rest" once this browser's tester is known, "Build x vs y" with two builds or more, and the hours. */
export function compareChoices(known: KnownTags | null): Choice<CompareChoice>[] {
  const builds = known && newestBuilds(known.tags);
  return [
    { value: "off", label: "Off" },
    ...(known ? [{ value: "me" as const, label: "Me vs the rest" }] : []),
    ...(builds ? [{ value: "builds" as const, label: `Build ${builds[0]} vs ${builds[1]}` }] : []),
    { value: "hours", label: "Hour before vs last hour" },
  ];
}

/**
 * "Everyone" (today's heat: value ""), then each tester the page has points
 * from, the newest first, and the tester on screen though the tags no longer
 * name it (another band's), so that the row says what is shown.
 */
export function testerChoices(known: KnownTags | null, shown: string | null = null): Choice<string>[] {
  const testers = (known?.tags.testers ?? []).map((t) => t.label);
  if (shown !== null && !testers.includes(shown)) testers.push(shown);
  return [{ value: "", label: "Everyone" }, ...testers.map((label) => ({ value: label, label }))];
}

/**
 * The sets and ranges a choice compares, or null when it is off or the tags
 * it needs are unknown. `range` (the history row's) bounds both sides of a
 * tester or build comparison; without it they span everything kept.
 */
export function comparisonOf(
  choice: CompareChoice,
  known: KnownTags | null,
  now: number,
  range: { from: number; to: number } | null,
): Pick<ComparisonRequest, "a" | "b" | "from" | "to" | "aFrom" | "aTo" | "bFrom" | "bTo"> | null {
  const bounded = range ? { from: Math.floor(range.from), to: Math.ceil(range.to) } : {};
  if (choice === "hours") {
    return { a: "all", b: "all", aFrom: now - 2 * HOUR_MS, aTo: now - HOUR_MS, bFrom: now - HOUR_MS, bTo: now };
  }
  if (choice === "me" && known) {
    return {
      a: formatCompareSet({ kind: "tester", label: known.me }),
      b: formatCompareSet({ kind: "rest", label: known.me }),
      ...bounded,
    };
  }
  const builds = choice === "builds" && known && newestBuilds(known.tags);
  if (builds) {
    const [a, b] = builds.map((label) => formatCompareSet({ kind: "build", label }));
    return { a: a as string, b: b as string, ...bounded };
  }
  return null;
}
