/**
 * "Copy for a bug report": a signal of the dashboard's list as plain text to
 * paste into a ticket: what happened on which element, how often and by how
 * many testers, when, the steps to reproduce it (the clicks before the latest
 * case, then its own click), and the share link (protocol/share-link.ts) that opens
 * the page with its clicks around that time, so that whoever reads it sees
 * the element in the overlay.
 */
import { shareUrl } from "../../protocol/share-link";
import type { SignalRules } from "../../protocol/signals";

export interface ListedSignal {
  origin: string;
  path: string;
  band: string;
  selector: string;
  kind: "rage" | "dead" | "error";
  count: number;
  testers: number;
  first: number;
  last: number;
  /** The clicks before the latest case's triggering click, oldest first; null when its extension sent none. */
  steps: string[] | null;
}

/** What each kind means under the companion's rules (its welcome's `signalRules`). */
function what(kind: ListedSignal["kind"], rules: SignalRules): string {
  const s = (ms: number) => `${ms / 1000} s`;
  if (kind === "rage")
    return `Rage clicks (${rules.rageClicks} or more clicks in ${s(rules.rageMs)} within ${rules.ragePx} px, each without a reaction)`;
  if (kind === "dead") return `Dead click (no reaction within ${s(rules.deadMs)})`;
  return `Error click (an uncaught error within ${s(rules.errorMs)})`;
}

/** What the triggering click, the last step, did. */
const OUTCOME = {
  rage: "the rage click, no reaction",
  dead: "no reaction",
  error: "an uncaught error followed",
} as const;

/** A minute either side of the signals: the link shows the clicks around them. */
const MARGIN_MS = 60_000;

export function bugReport(companionBase: string, signal: ListedSignal, rules: SignalRules): string {
  const link = shareUrl(companionBase, {
    origin: signal.origin,
    path: signal.path,
    band: signal.band,
    time: { kind: "range", from: signal.first - MARGIN_MS, to: signal.last + MARGIN_MS },
    layer: "document",
    points: "clicks",
    mode: "elements",
  });
  const testers = `${signal.testers} tester${signal.testers === 1 ? "" : "s"}`;
  return [
    `${what(signal.kind, rules)} on ${signal.selector}`,
    `Page: ${signal.origin}${signal.path} (${signal.band} width band)`,
    `Seen ${signal.count} time${signal.count === 1 ? "" : "s"} by ${testers}, first ${iso(signal.first)}, last ${iso(signal.last)}`,
    `Element: ${signal.selector}`,
    ...steps(signal),
    `Clicks on the page around then: ${link}`,
  ].join("\n");
}

function steps(signal: ListedSignal): string[] {
  if (signal.steps === null) return ["Steps before it: not known (sent by an extension without steps)"];
  const clicks = [...signal.steps.map((s) => `click ${s}`), `click ${signal.selector} (${OUTCOME[signal.kind]})`];
  return ["Steps before it (latest case):", ...clicks.map((step, i) => `${i + 1}. ${step}`)];
}

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, "Z");
}
