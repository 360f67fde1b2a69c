/**
 * Signal to badge, with real browsers and the built extension: tab A (the
 * tester) clicks a button of the lab's signal grid (demo/lab/signal-grid.html)
 * so as to make a rage, dead or error click, and tab B, in another window of
 * the same browser with the overlay on, is read until the badge of that kind
 * shows on that button (extension/paint/signal-markers.ts). Each trial clicks
 * a button no earlier trial clicked, so that its badge is new; the kinds take
 * turns. Rage: three clicks 100 ms apart on a button that does nothing, timed
 * from the third. Dead: one click on such a button, timed from the click: a
 * dead click is only known after its second without a reaction, which is in
 * the figure. Error: one click on a button that throws.
 *
 * The clicks land near the button's bottom left corner, away from the badge
 * in its top right one, so that the click's own heat never reads as a badge.
 * The end is read from screenshots of a small clip, as in hover-to-paint.ts
 * (`shotMs` is the resolution). The legs come from timestamps on one machine
 * clock: the batch frame carrying the signal (its `sentAt`, read from the
 * service worker's websocket over CDP: Chromium only), the companion, in this
 * process, having it stored (`signals` on the bus) and publishing a grid that
 * holds it (`grid` on the bus).
 */
import type { Page } from "puppeteer-core";
import { startCompanion } from "../companion/src/server";
import { SIGNAL_COLOURS } from "../extension/paint/signal-markers";
import { makeKey } from "../protocol/page-key";
import { SIGNAL_NAMES, type SignalName, signalName } from "../protocol/signals";
import type { PagePoints } from "../protocol/wire";
import { type BrowserName, launchWithExtension } from "../tests/e2e/browsers";
import { badgePoint, clipPixel, distance, hexRgb, setOverlay, sleep, VIEWPORT } from "../tests/e2e/harness";
import { tempDataDir } from "../tests/support/temp-dir";
import { BENCH_DIST } from "./hover-to-paint";
import { median, percentile } from "./stats";

const PATH = "/demo/lab/signal-grid";
/** Trials per kind: rage and dead take a broken button each (32 on the page), error a throwing one (16). */
const TRIALS = 15;
const RAGE_APART_MS = 100;
/** The overlay's default window, which tab B watches. */
const WINDOW_MS = 300_000;
/** A pixel this close to a kind's colour is its badge (the page's buttons are light and flat). */
const BADGE_DISTANCE = 40;
/** How long a trial may take before it counts as missed. */
const GIVE_UP_MS = 5000;
const KINDS: readonly SignalName[] = ["rage", "dead", "error"];

export interface KindToBadge {
  kind: SignalName;
  trials: number;
  missed: number;
  p50Ms: number;
  p95Ms: number;
  /** Medians of the legs; `clickToSentMs` only where the background's frames can be read. */
  clickToSentMs: number | null;
  /** The click to the signal stored by the companion: detection and delivery. */
  clickToStoredMs: number;
  storedToFanoutMs: number;
  fanoutToPaintMs: number;
}

export interface SignalToBadge {
  browser: BrowserName;
  kinds: KindToBadge[];
  /** Median time of one screenshot: the resolution of the end of a trial. */
  shotMs: number;
}

/** One kind's trials: totals and legs (ms) of those seen. */
interface Figures {
  totals: number[];
  missed: number;
  toSent: number[];
  toStored: number[];
  toFanout: number[];
  toPaint: number[];
}

const noFigures = (): Figures => ({ totals: [], missed: 0, toSent: [], toStored: [], toFanout: [], toPaint: [] });

/** The button of each trial: rage and dead on broken buttons of their own, error on throwing ones. */
function button(kind: SignalName, trial: number): string {
  if (kind === "rage") return `#broken-${trial + 1}`;
  if (kind === "dead") return `#broken-${TRIALS + trial + 1}`;
  return `#throws-${trial + 1}`;
}

/** Where the tester clicks: inside the button, near its bottom left corner. */
function clickPoint(page: Page, selector: string): Promise<[number, number]> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return [Math.round(r.left + 12), Math.round(r.bottom - 10)] as [number, number];
  });
}

/** Records the first time each `${kind} ${selector}` is seen. */
class FirstSeen {
  private readonly at = new Map<string, number>();
  note(kind: SignalName, selector: string, t = Date.now()): void {
    const id = `${kind} ${selector}`;
    if (!this.at.has(id)) this.at.set(id, t);
  }
  get(kind: SignalName, selector: string): number | undefined {
    return this.at.get(`${kind} ${selector}`);
  }
}

export async function benchSignalToBadge(name: BrowserName, port: number): Promise<SignalToBadge> {
  const companion = await startCompanion({ port, dataDir: tempDataDir("signals"), logLevel: "silent" });
  const launched = await launchWithExtension(name, BENCH_DIST);
  try {
    const url = `${companion.url}${PATH}`;
    const viewer = await launched.browser.newPage({ type: "window" });
    await viewer.setViewport(VIEWPORT);
    await viewer.goto(`${url}?tab=B`, { waitUntil: "load" });
    const tester = await launched.browser.newPage({ type: "window" });
    await tester.setViewport(VIEWPORT);
    await tester.goto(`${url}?tab=A`, { waitUntil: "load" });
    const key = makeKey("desktop", companion.url, PATH);

    // Companion side: when each signal is stored, and when a grid holding it goes to fan-out.
    const stored = new FirstSeen();
    const fannedOut = new FirstSeen();
    companion.bus.subscribe("signals", ({ signals }) => {
      for (const s of signals) if (s.key === key) stored.note(signalName(s.kind), s.selector);
    });
    companion.bus.subscribe("grid", (grid) => {
      if (grid.path !== PATH || grid.band.id !== "desktop" || grid.windowMs !== WINDOW_MS) return;
      for (const s of grid.signals) fannedOut.note(s.kind, s.s);
    });
    // Background side (Chromium): the sentAt of the batch frame that carries each signal.
    const sent = new FirstSeen();
    if (name === "chromium") {
      const worker = await launched.browser.waitForTarget(
        (t) => t.type() === "service_worker" && t.url().startsWith(launched.extensionOrigin),
      );
      const session = await worker.createCDPSession();
      session.on("Network.webSocketFrameSent", ({ response }) => {
        const frame = JSON.parse(response.payloadData) as { type?: string; sentAt?: number; pages?: PagePoints[] };
        if (frame.type !== "batch" || frame.sentAt === undefined) return;
        for (const page of frame.pages ?? []) {
          const signals = page.signals ?? [];
          for (let i = 0; i < signals.length; i += 3) {
            const selector = page.anchors?.[(signals[i + 2] as number) - 1];
            const kind = SIGNAL_NAMES[signals[i + 1] as number];
            if (selector !== undefined && kind !== undefined) sent.note(kind, selector, frame.sentAt);
          }
        }
      });
      await session.send("Network.enable");
    }

    await setOverlay(launched, `${url}?tab=B`, true);
    await viewer.bringToFront();
    // The overlay has its first grid once the companion has a viewer of the page.
    for (let i = 0; i < 100 && companion.fanout.viewerCount === 0; i++) await sleep(100);
    await sleep(1000);

    const byKind = Object.fromEntries(KINDS.map((kind) => [kind, noFigures()])) as Record<SignalName, Figures>;
    const shots: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const kind of KINDS) {
        const selector = button(kind, trial);
        const [x, y] = await badgePoint(viewer, selector);
        const want = hexRgb(SIGNAL_COLOURS[kind]);
        if (distance((await clipPixel(viewer, x, y)).rgb, want) <= BADGE_DISTANCE) {
          throw new Error(`${selector} already looks badged in ${name}`);
        }
        const at = await clickPoint(tester, selector);
        if (kind === "rage") {
          for (let i = 0; i < 2; i++) {
            await tester.mouse.click(...at);
            await sleep(RAGE_APART_MS);
          }
        }
        const clickAt = Date.now();
        await tester.mouse.click(...at);
        let seen: number | null = null;
        while (seen === null && Date.now() - clickAt < GIVE_UP_MS) {
          const { rgb, ms } = await clipPixel(viewer, x, y);
          shots.push(ms);
          if (distance(rgb, want) <= BADGE_DISTANCE) seen = Date.now();
        }
        const figures = byKind[kind];
        const storedAt = stored.get(kind, selector);
        const fannedAt = fannedOut.get(kind, selector);
        if (seen === null || storedAt === undefined || fannedAt === undefined) {
          figures.missed++;
          continue;
        }
        figures.totals.push(seen - clickAt);
        figures.toStored.push(storedAt - clickAt);
        figures.toFanout.push(fannedAt - storedAt);
        figures.toPaint.push(seen - fannedAt);
        const sentAt = sent.get(kind, selector);
        if (sentAt !== undefined) figures.toSent.push(sentAt - clickAt);
      }
    }
    // What tab B shows at the end: every trial's button with its badge.
    await viewer.screenshot({ path: `${BENCH_DIST}/${name}-signals-viewer.png` });
    return {
      browser: name,
      kinds: KINDS.map((kind) => {
        const f = byKind[kind];
        return {
          kind,
          trials: f.totals.length + f.missed,
          missed: f.missed,
          p50Ms: percentile(f.totals, 50),
          p95Ms: percentile(f.totals, 95),
          clickToSentMs: f.toSent.length ? median(f.toSent) : null,
          clickToStoredMs: median(f.toStored),
          storedToFanoutMs: median(f.toFanout),
          fanoutToPaintMs: median(f.toPaint),
        };
      }),
      shotMs: median(shots),
    };
  } finally {
    await launched.close();
    await companion.close();
  }
}
