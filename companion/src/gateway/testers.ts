/**
 * What the team dashboard says about each tester beyond its counters: the
 * browser, reduced from the websocket upgrade's User-Agent to a name and a
 * major version ("Chrome 131", "Firefox 128"), and the pages it is on now,
 * those it sent points for in the last `ON_PAGE_MS`. Fed by its connection;
 * no clock or socket inside.
 */

/** How recently a tester must have sent points for a page to count as on it. */
export const ON_PAGE_MS = 30_000;

/** Tried in order: Edge and Opera also say Chrome, and Chrome also says Safari. */
const BROWSERS: [name: string, pattern: RegExp][] = [
  ["Edge", /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ["Opera", /\bOPR\/(\d+)/],
  ["Firefox", /\bFirefox\/(\d+)/],
  ["Chrome", /\b(?:Headless)?Chrome\/(\d+)/],
  ["Safari", /\bVersion\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//],
];

/** "Chrome 131", "Firefox 128"…; the UA's first product for other clients, "" without one. */
export function browserName(userAgent: string | undefined): string {
  if (!userAgent) return "";
  for (const [name, pattern] of BROWSERS) {
    const major = pattern.exec(userAgent)?.[1];
    if (major) return `${name} ${major}`;
  }
  return userAgent.split(" ")[0]?.slice(0, 40) ?? "";
}

/** How stale a key's last use may be kept: a tester sending many batches a second moves it once a second. */
const TOUCH_STEP_MS = 1_000;

/** The keys a tester sent points for, each with when it last did (to within TOUCH_STEP_MS). */
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(private readonly withinMs = ON_PAGE_MS) {}

  touch(keys: Iterable<string>, now: number): void {
    for (const key of keys) {
      const at = this.seen.get(key);
      if (at !== undefined && now - at < TOUCH_STEP_MS) continue;
      // Re-inserted, so the map stays in order of last use and pruning stops at the first recent key.
      this.seen.delete(key);
      this.seen.set(key, now);
    }
    this.prune(now);
  }

  /** The keys seen in the last `withinMs`, the most recent last. */
  keys(now: number): string[] {
    this.prune(now);
    return [...this.seen.keys()];
  }

  private prune(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at <= this.withinMs) break;
      this.seen.delete(key);
    }
  }
}
