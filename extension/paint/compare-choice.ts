/**
 * The panel's Compare and Tester choices, from the page's tags
 * (`GET /api/tags`), and the comparison each choice asks the companion for:
 * this browser's tester against everyone else, the page's two newest builds,
 * or the hour before the last against the last hour; and the comparison of
 * the share link the tab was opened from (`link`) unless it is one of those,
 * and the other way, the comparison a share link names for each choice.
 * Pure: the clock is passed in.
 */
import { formatCompareSet, type PageTags, parseCompareSet } from "../../protocol/compare";
import type { ComparisonRequest } from "../../protocol/messages";
import type { ShareCompare, ShareSpan } from "../../protocol/share-link";

export type CompareChoice = "off" | "me" | "builds" | "hours" | "link";

/** A share link's comparison, with the live window its sides without a span read (protocol/share-link.ts). */
export interface LinkedCompare {
  compare: ShareCompare;
  windowMs: number;
}

type CompareSets = Pick<ComparisonRequest, "a" | "b" | "from" | "to" | "aFrom" | "aTo" | "bFrom" | "bTo">;

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

/** Off, "Me vs the rest" once this browser's tester is known, "Build x vs y" with two builds or more, the hours, and a linked comparison. */
export function compareChoices(known: KnownTags | null, linked: ShareCompare | null = null): Choice<CompareChoice>[] {
  const builds = known && newestBuilds(known.tags);
  const link = linked && `${formatCompareSet(linked.a)} vs ${formatCompareSet(linked.b)}`;
  return [
    { value: "off", label: "Off" },
    ...(known ? [{ value: "me" as const, label: "Me vs the rest" }] : []),
    ...(builds ? [{ value: "builds" as const, label: `Build ${builds[0]} vs ${builds[1]}` }] : []),
    { value: "hours", label: "Hour before vs last hour" },
    ...(link ? [{ value: "link" as const, label: link }] : []),
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
 * tester or build comparison; without it they span everything kept. A linked
 * comparison's side spans its own span, else that range, else the last window.
 */
export function comparisonOf(
  choice: CompareChoice,
  known: KnownTags | null,
  now: number,
  range: { from: number; to: number } | null,
  linked: LinkedCompare | null = null,
): CompareSets | null {
  const bounded = range ? { from: Math.floor(range.from), to: Math.ceil(range.to) } : {};
  if (choice === "link" && linked) {
    const { a, b, aSpan, bSpan } = linked.compare;
    const side = (span: ShareSpan | null) =>
      span?.kind === "all" ? null : (span ?? range ?? { from: now - linked.windowMs, to: now });
    const [aRange, bRange] = [side(aSpan), side(bSpan)];
    return {
      a: formatCompareSet(a),
      b: formatCompareSet(b),
      ...(aRange ? { aFrom: Math.floor(aRange.from), aTo: Math.ceil(aRange.to) } : {}),
      ...(bRange ? { bFrom: Math.floor(bRange.from), bTo: Math.ceil(bRange.to) } : {}),
    };
  }
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

/**
 * The comparison a share link names for what is on screen: a tester or build
 * comparison over the history row's range spans the link's time (that
 * range), else everything kept; the hours are fixed at `now`.
 */
export function shareCompareOf(
  choice: CompareChoice,
  known: KnownTags | null,
  now: number,
  range: { from: number; to: number } | null,
  linked: LinkedCompare | null,
): ShareCompare | null {
  if (choice === "link") return linked?.compare ?? null;
  const sets = comparisonOf(choice, known, now, range);
  const a = sets && parseCompareSet(sets.a);
  const b = sets && parseCompareSet(sets.b);
  if (!sets || !a || !b || typeof a === "string" || typeof b === "string") return null;
  const fixed = (from?: number, to?: number): ShareSpan | null =>
    from !== undefined && to !== undefined ? { kind: "range", from, to } : null;
  if (choice === "hours") return { a, b, aSpan: fixed(sets.aFrom, sets.aTo), bSpan: fixed(sets.bFrom, sets.bTo) };
  const span: ShareSpan | null = range ? null : { kind: "all" };
  return { a, b, aSpan: span, bSpan: span };
}

/**
 * The choice that shows a linked comparison: "Me vs the rest" or the newest
 * builds when the link names just that (over everything kept, or over the
 * link's range), else the link's own (`link`).
 */
export function linkedChoice(compare: ShareCompare, known: KnownTags | null, linkRange: boolean): CompareChoice {
  const { aSpan, bSpan } = compare;
  const sameSpan = linkRange ? aSpan === null && bSpan === null : aSpan?.kind === "all" && bSpan?.kind === "all";
  if (!sameSpan) return "link";
  const named = [formatCompareSet(compare.a), formatCompareSet(compare.b)].join(" ");
  for (const choice of ["me", "builds"] as const) {
    const sets = comparisonOf(choice, known, 0, null);
    if (sets && `${sets.a} ${sets.b}` === named) return choice;
  }
  return "link";
}
