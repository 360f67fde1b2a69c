/**
 * Click signals: rage, dead and error clicks (extension/capture/click-signals.ts
 * detects them). A page group carries them as flat triples `[dt, kind, a]`,
 * `a` being 1 + an index into the group's anchor table, the element named as
 * the click's anchored heat names it.
 */

export const SignalKind = { rage: 0, dead: 1, error: 2 } as const;
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];

export const SIGNAL_NAMES = ["rage", "dead", "error"] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Most signals one page group may carry: they are rare, a page sending more is broken or hostile. */
export const MAX_SIGNALS_PER_GROUP = 64;

export function signalName(kind: SignalKind): SignalName {
  return SIGNAL_NAMES[kind];
}
