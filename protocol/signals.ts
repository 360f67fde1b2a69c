/**
 * Click signals: rage, dead and error clicks (extension/capture/click-signals.ts
 * detects them). A page group carries them as flat triples `[dt, kind, a]`,
 * `a` being 1 + an index into the group's anchor table, the element named as
 * the click's anchored heat names it. An optional parallel `steps` holds, per
 * signal, the clicks before its triggering click on that page view: what a bug
 * report lists to reproduce it.
 */
import { z } from "zod";

export const SignalKind = { rage: 0, dead: 1, error: 2 } as const;
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];

export const SIGNAL_NAMES = ["rage", "dead", "error"] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Most signals one page group may carry: they are rare, a page sending more is broken or hostile. */
export const MAX_SIGNALS_PER_GROUP = 64;

/** Most steps one signal carries: the last clicks before its triggering one, enough to reproduce it. */
export const MAX_STEPS_PER_SIGNAL = 5;

/** One element's signals of one kind in a grid's window or range (Grid.signals). */
export const SignalSummary = z.object({
  /** The element, as the grid's anchors name it. */
  s: z.string(),
  kind: z.enum(SIGNAL_NAMES),
  count: z.number().int(),
  /** Testers (client ids) among them. */
  testers: z.number().int(),
  /** The first and last triggering click, ms since the epoch on the companion's clock. */
  first: z.number(),
  last: z.number(),
});
export type SignalSummary = z.infer<typeof SignalSummary>;

/**
 * What makes a click a signal: rage, `rageClicks` clicks on one element within
 * `rageMs` and `ragePx`, none with a reaction; dead, no reaction within
 * `deadMs`; error, an uncaught error within `errorMs`. Set by the companion's
 * options (`--rage-clicks` …) and told in its welcome, so that a whole team's
 * browsers judge clicks alike.
 */
export const SignalRules = z.object({
  rageClicks: z.number().int().min(2).max(20),
  rageMs: z.number().int().min(100).max(10_000),
  ragePx: z.number().int().min(1).max(1000),
  deadMs: z.number().int().min(100).max(10_000),
  errorMs: z.number().int().min(100).max(10_000),
});
export type SignalRules = z.infer<typeof SignalRules>;

/** The thresholds users settled on after false positives with looser ones: 3 clicks within 1 s and 30 px. */
export const DEFAULT_SIGNAL_RULES: SignalRules = {
  rageClicks: 3,
  rageMs: 1000,
  ragePx: 30,
  deadMs: 1000,
  errorMs: 1000,
};

export function signalName(kind: SignalKind): SignalName {
  return SIGNAL_NAMES[kind];
}
