/**
 * The live window's rage, dead and error clicks: rare, so kept as a list per
 * page key (at most `max`, the newest) beside the pane rings rather than in
 * them, and summed per element and kind when a grid is built. Entries older
 * than the longest window are dropped as the clock moves on.
 */
import { type SignalSummary, signalName } from "../../../protocol/signals";
import type { StoredSignal } from "../store/event-store";

export class SignalLog {
  /** Page key → its signals, oldest first (ingest order, which is close to time order). */
  private readonly byKey = new Map<string, StoredSignal[]>();

  constructor(private readonly max: number) {}

  add(signal: StoredSignal): void {
    let list = this.byKey.get(signal.key);
    if (!list) {
      list = [];
      this.byKey.set(signal.key, list);
    }
    list.push(signal);
    if (list.length > this.max) list.splice(0, list.length - this.max);
  }

  /**
   * Drops signals before `oldest`, from the front of each list: lists are in
   * ingest order, which is close to time order, so this costs what it drops.
   * One left behind a newer signal goes with it; summaries filter by time anyway.
   */
  expire(oldest: number): void {
    for (const [key, list] of this.byKey) {
      let drop = 0;
      while (drop < list.length && (list[drop] as StoredSignal).t < oldest) drop++;
      if (drop === list.length) this.byKey.delete(key);
      else if (drop > 0) list.splice(0, drop);
    }
  }

  /** Whether a signal of `key` has a time in [from, to): one leaving a window between two ticks. */
  hasBetween(key: string, from: number, to: number): boolean {
    return this.byKey.get(key)?.some((s) => s.t >= from && s.t < to) ?? false;
  }

  /** `key`'s signals with a time in [start, end), per element and kind. */
  summary(key: string, start: number, end: number): SignalSummary[] {
    return summarise((this.byKey.get(key) ?? []).filter((s) => s.t >= start && s.t < end));
  }
}

/** Signals per element and kind: count, testers, first and last time; the latest first. */
export function summarise(signals: readonly StoredSignal[]): SignalSummary[] {
  const by = new Map<string, SignalSummary & { clients: Set<string> }>();
  for (const { selector, kind, client, t } of signals) {
    const id = `${kind} ${selector}`;
    let entry = by.get(id);
    if (!entry) {
      entry = { s: selector, kind: signalName(kind), count: 0, testers: 0, first: t, last: t, clients: new Set() };
      by.set(id, entry);
    }
    entry.count++;
    entry.clients.add(client);
    entry.first = Math.min(entry.first, t);
    entry.last = Math.max(entry.last, t);
  }
  return [...by.values()]
    .map(({ clients, ...entry }) => ({ ...entry, testers: clients.size }))
    .sort((a, b) => b.last - a.last || (a.s < b.s ? -1 : 1));
}
