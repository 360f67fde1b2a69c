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

export function signalName(kind: SignalKind): SignalName {
  return SIGNAL_NAMES[kind];
}
