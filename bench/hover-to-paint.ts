/**
 * Hover to paint, with real browsers and the built extension: tab A hovers a
 * point over the demo shop's home page (one puppeteer mouse move), and tab B,
 * in another window of the same browser with the overlay on (tiles), is read
 * until its pixels at that point's tile show the heat colour. Each trial hovers
 * a tile no earlier trial touched, so the new tile is the hottest of its grid
 * (count 1 of a top of 1) and paints in the palette's top colour: the figure is
 * the time until a user looking at tab B sees the hover.
 *
 * The end is read from screenshots of a small clip around the tile, taken
 * one after another; a trial ends when a screenshot that shows the heat comes
 * back, so the figure includes up to one screenshot's time (reported as
 * `shotMs`). The breakdown comes from timestamps the bench observes on one
 * machine clock: the batch's `sentAt` (the background, read from its
 * websocket frames over CDP: Chromium only), the moment the companion, in
 * this process, has the batch committed and counted (its `points` on the bus)
 * and the moment it publishes a grid holding the point (`grid` on the bus).
 */
import { spawnSync } from "node:child_process";
import { startCompanion } from "../companion/src/server";
import { splitSideKey } from "../protocol/anchor";
import { makeKey } from "../protocol/page-key";
import { setOverlayPrefs } from "../tests/e2e/anchors-lab";
import { type BrowserName, launchWithExtension } from "../tests/e2e/browsers";
import { clipPixel, distance, setOverlay, sleep, VIEWPORT } from "../tests/e2e/harness";
import { tempDataDir } from "../tests/support/temp-dir";
import { median, percentile } from "./stats";

/** Apart from the page-cost build, which is pointed at another port; signal-to-badge.ts uses it too. */
export const BENCH_DIST = "dist-bench/hover";
const TRIALS = 100;
/** The overlay's default window, which tab B watches. */
const WINDOW_MS = 300_000;
/** A tile's colour this far from the page's is heat (the top colour is much farther). */
const HEAT_DISTANCE = 40;
/** How long a trial may take before it counts as missed. */
const GIVE_UP_MS = 5000;

export interface HoverToPaint {
  browser: BrowserName;
  trials: number;
  missed: number;
  p50Ms: number;
  p99Ms: number;
  /** Medians of the legs; `pageToSentMs` and `sentToCountedMs` only where the background's frames can be read. */
  pageToSentMs: number | null;
  sentToCountedMs: number | null;
  /** Hover to the batch committed and counted by the companion. */
  hoverToCountedMs: number;
  countedToFanoutMs: number;
  fanoutToPaintMs: number;
  /** Median time of one screenshot: the resolution of the end of a trial. */
  shotMs: number;
}

/** Builds both extensions once, pointed at `port`, for this bench and signal-to-badge.ts. */
export function buildForBrowserBenches(port: number): void {
  const built = spawnSync(process.execPath, ["scripts/build.js"], {
    stdio: "ignore",
    env: { ...process.env, OUT_ROOT: BENCH_DIST, HEATLENS_COMPANION_URL: `ws://127.0.0.1:${port}` },
  });
  if (built.status !== 0) throw new Error("building the extension failed");
}

/** Points of the page's top screen, one on every other tile, away from the overlay's panel (bottom right). */
function targets(tile: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let row = 2; out.length < TRIALS && row * tile < VIEWPORT.height - 220; row += 2) {
    for (let col = 1; out.length < TRIALS && col * tile < VIEWPORT.width - 380; col += 2) {
      out.push({ x: (col + 0.5) * tile, y: (row + 0.5) * tile });
    }
  }
  return out;
}

export async function benchHoverToPaint(name: BrowserName, port: number): Promise<HoverToPaint> {
  const companion = await startCompanion({ port, dataDir: tempDataDir("hover"), logLevel: "silent" });
  const launched = await launchWithExtension(name, BENCH_DIST);
  try {
    const url = `${companion.url}/demo/`;
    const viewer = await launched.browser.newPage({ type: "window" });
    await viewer.setViewport(VIEWPORT);
    await viewer.goto(`${url}?tab=B`, { waitUntil: "load" });
    const hoverer = await launched.browser.newPage({ type: "window" });
    await hoverer.setViewport(VIEWPORT);
    await hoverer.goto(`${url}?tab=A`, { waitUntil: "load" });
    const width = await viewer.evaluate(() => document.documentElement.clientWidth);
    const key = makeKey("desktop", companion.url, "/demo");

    // Companion side: when each batch of the page is counted, and when a grid of it goes to fan-out.
    const counted: number[] = [];
    const fannedOut: { at: number; total: number }[] = [];
    companion.bus.subscribe("points", ({ groups }) => {
      if (groups.some((g) => g.key === key && !splitSideKey(g.key))) counted.push(Date.now());
    });
    companion.bus.subscribe("grid", (grid) => {
      if (grid.path === "/demo" && grid.band.id === "desktop" && grid.windowMs === WINDOW_MS) {
        fannedOut.push({ at: Date.now(), total: grid.total });
      }
    });
    // Background side (Chromium): each batch frame's sentAt, from the service worker's websocket.
    const sent: number[] = [];
    if (name === "chromium") {
      const worker = await launched.browser.waitForTarget(
        (t) => t.type() === "service_worker" && t.url().startsWith(launched.extensionOrigin),
      );
      const session = await worker.createCDPSession();
      session.on("Network.webSocketFrameSent", ({ response }) => {
        const frame = JSON.parse(response.payloadData) as { type?: string; sentAt?: number };
        if (frame.type === "batch" && frame.sentAt !== undefined) sent.push(frame.sentAt);
      });
      await session.send("Network.enable");
    }

    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, `${url}?tab=B`, true);
    await viewer.bringToFront();
    // The overlay has its first grid once the companion has a viewer of the page.
    for (let i = 0; i < 100 && companion.fanout.viewerCount === 0; i++) await sleep(100);
    await sleep(1000);

    const tile = width / companion.windows.cols;
    const totals: number[] = [];
    const legs = { pageToSent: [] as number[], sentToCounted: [] as number[], toCounted: [] as number[] };
    const toFanout: number[] = [];
    const toPaint: number[] = [];
    const shots: number[] = [];
    let missed = 0;
    for (const { x, y } of targets(tile)) {
      const base = (await clipPixel(viewer, x, y)).rgb;
      const total = companion.windows.snapshot(key, companion.windows.windowsMs.indexOf(WINDOW_MS)).total;
      const [countedBefore, sentBefore] = [counted.length, sent.length];
      const hoverAt = Date.now();
      await hoverer.mouse.move(x, y);
      let seen: number | null = null;
      while (seen === null && Date.now() - hoverAt < GIVE_UP_MS) {
        const { rgb, ms } = await clipPixel(viewer, x, y);
        shots.push(ms);
        if (distance(rgb, base) > HEAT_DISTANCE) seen = Date.now();
      }
      const countedAt = counted[countedBefore];
      const grid = fannedOut.find((g) => g.at >= hoverAt && g.total > total);
      if (seen === null || countedAt === undefined || grid === undefined) {
        missed++;
      } else {
        totals.push(seen - hoverAt);
        legs.toCounted.push(countedAt - hoverAt);
        const sentAt = sent[sentBefore];
        if (sentAt !== undefined) {
          legs.pageToSent.push(sentAt - hoverAt);
          legs.sentToCounted.push(countedAt - sentAt);
        }
        toFanout.push(grid.at - countedAt);
        toPaint.push(seen - grid.at);
      }
      // The tracker samples at most 4 times a second: the next hover must be a sample of its own.
      await sleep(400);
    }
    // What tab B shows at the end: every trial's tile in heat.
    await viewer.screenshot({ path: `${BENCH_DIST}/${name}-hover-viewer.png` });
    return {
      browser: name,
      trials: totals.length + missed,
      missed,
      p50Ms: percentile(totals, 50),
      p99Ms: percentile(totals, 99),
      pageToSentMs: legs.pageToSent.length ? median(legs.pageToSent) : null,
      sentToCountedMs: legs.sentToCounted.length ? median(legs.sentToCounted) : null,
      hoverToCountedMs: median(legs.toCounted),
      countedToFanoutMs: median(toFanout),
      fanoutToPaintMs: median(toPaint),
      shotMs: median(shots),
    };
  } finally {
    await launched.close();
    await companion.close();
  }
}
