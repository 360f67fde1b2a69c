/**
 * The extension's cost inside a page, in real Chromium with the built
 * extension, on the 20,000 px demo page:
 * - the tracker: script time it adds per mousemove the page receives, with
 *   and without the extension side by side, and the layouts it adds; at a
 *   high input rate (a 1,000 Hz mouse: CDP moves sent every millisecond, the
 *   page gets as many as the browser delivers) and at one move per frame
 *   (each CDP move awaited, which headless Chromium answers once a frame);
 * - anchors (extension/page/anchor.ts) on a shop page of about 9,000
 *   elements: script time per sample while nothing changed (cached: one rect
 *   read) and right after a DOM change (the selector worked out again), and
 *   that cost spread over the mousemoves of the runs above (at most 4
 *   samples a second take an anchor; the mousemove handler never does);
 * - the overlay: time to paint one update of a fully covered 50-column grid
 *   (tiles and smooth heat) with the overlay's own painter, and long tasks
 *   (> 50 ms) in the page while the companion pushes an update storm.
 */
import { spawnSync } from "node:child_process";
import { buildSync } from "esbuild";
import puppeteer, { type Browser, type CDPSession, type Page } from "puppeteer-core";
import { startCompanion } from "../companion/src/server";
import { makeKey } from "../protocol/page-key";
import type { Grid } from "../protocol/wire";
import { EXECUTABLES, launchWithExtension } from "../tests/e2e/browsers";
import { setOverlay, sleep, VIEWPORT } from "../tests/e2e/harness";
import { freePort } from "../tests/support/free-port";
import { tempDataDir } from "../tests/support/temp-dir";

const DIST = "dist-bench";
/** Moves sent at INPUT_HZ; then moves sent one per frame. */
const MOVES = 4000;
const INPUT_HZ = 1000;
const FRAME_MOVES = 1200;

export interface PageCost {
  /** Script time added per mousemove the page received, at a 1,000 Hz input rate. */
  trackerMicrosPerEvent: number;
  trackerLayoutsPerEvent: number;
  /** Mousemoves the page received per second at that input rate. */
  trackerMovesPerSec: number;
  /** Script time added per mousemove when moves come one per frame (about 60 a second). */
  trackerMicrosPerFrameMove: number;
  trackerFrameMovesPerSec: number;
  /** Elements of the page the anchors are taken on, and the share of samples that had one. */
  anchorPageElements: number;
  anchoredShare: number;
  /** Script time of one sample's anchor: unchanged page (cached), and just after a DOM change. */
  anchorCachedMicros: number;
  anchorColdMicros: number;
  /** The cold cost at 4 samples a second, per mousemove received at 1,000 Hz and at one move per frame. */
  anchorMicrosPerEvent: number;
  anchorMicrosPerFrameMove: number;
  overlayPaintMs: number;
  overlaySmoothPaintMs: number;
  longTasks: number;
  longestTaskMs: number;
}

async function metrics(session: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await session.send("Performance.getMetrics");
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

interface MoveCost {
  /** Script seconds and layouts in the page, and the mousemoves it received. */
  script: number;
  layouts: number;
  received: number;
  seconds: number;
}

/**
 * Moves the cursor `moves` times: every 1/hz s without waiting for the
 * browser (`hz`), or each move awaited (`null`: one per frame). The page
 * counts the mousemoves it receives with a listener of its own, the same in
 * the runs with and without the extension.
 */
async function moveCost(page: Page, moves: number, hz: number | null): Promise<MoveCost> {
  await page.evaluate(() => {
    const w = window as unknown as { received: number };
    w.received = 0;
    addEventListener("mousemove", () => w.received++, { passive: true });
  });
  const session = await page.createCDPSession();
  await session.send("Performance.enable");
  const before = await metrics(session);
  const start = performance.now();
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < moves; i++) {
    const move = session.send("Input.dispatchMouseEvent", {
      type: "mouseMoved",
      x: 100 + (i % 900),
      y: 100 + ((i * 7) % 600),
    });
    if (hz === null) await move;
    else {
      sent.push(move);
      const due = start + ((i + 1) * 1000) / hz;
      while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await Promise.all(sent);
  const seconds = (performance.now() - start) / 1000;
  const after = await metrics(session);
  await session.detach();
  return {
    seconds,
    script: (after.ScriptDuration as number) - (before.ScriptDuration as number),
    layouts: (after.LayoutCount as number) - (before.LayoutCount as number),
    received: await page.evaluate(() => (window as unknown as { received: number }).received),
  };
}

/** Script µs the extension adds per mousemove received, and the rate received. */
function added(without: MoveCost, withExtension: MoveCost): { micros: number; perSec: number } {
  return {
    micros: ((withExtension.script - without.script) * 1e6) / withExtension.received,
    perSec: withExtension.received / withExtension.seconds,
  };
}

async function plainChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: EXECUTABLES.chromium,
    headless: true,
    pipe: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
}

/** The overlay's painters, bundled for the page: window.heatlensPaintBench(grid, runs) → ms per paint. */
function painterScript(): string {
  return buildSync({
    stdin: {
      contents: `
        import { heatScale, paintTiles, SmoothPainter } from "./extension/paint/renderer";
        window.heatlensPaintBench = (grid, runs) => {
          const canvas = document.createElement("canvas");
          canvas.width = innerWidth; canvas.height = innerHeight;
          const ctx = canvas.getContext("2d");
          const view = { width: innerWidth, height: innerHeight, scrollX: 0, scrollY: 10000, devicePixelRatio: 1 };
          const smooth = new SmoothPainter();
          // The overlay works the scale out once per grid, not per paint.
          const scale = heatScale(grid, "linear");
          const time = (paint) => {
            paint(); ctx.getImageData(0, 0, 1, 1);
            const t0 = performance.now();
            for (let i = 0; i < runs; i++) { paint(); ctx.getImageData(0, 0, 1, 1); }
            return (performance.now() - t0) / runs;
          };
          return {
            tiles: time(() => paintTiles(ctx, grid, view, scale)),
            smooth: time(() => smooth.paint(ctx, grid, view, scale)),
          };
        };`,
      resolveDir: process.cwd(),
      loader: "ts",
    },
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
  }).outputFiles[0]?.text as string;
}

/** Samples a second the tracker takes at most (and so anchors it works out). */
const SAMPLES_PER_SEC = 4;
const ANCHOR_SAMPLES = 400;

/**
 * anchorFor bundled for the page: window.heatlensAnchorBench(points) builds a
 * shop of 1,000 product cards (hashed classes, test ids), then times the
 * anchors of the elements under the points: each right after a DOM change
 * (a comment node added, which drops the cache and nothing else), against the
 * same loop without anchors; and again with the cache warm.
 */
function anchorScript(): string {
  return buildSync({
    stdin: {
      contents: `
        import { anchorFor } from "./extension/page/anchor";
        window.heatlensAnchorBench = async (points) => {
          const cards = [];
          for (let i = 0; i < 1000; i++) {
            cards.push('<article class="card css-1x2y3z' + (i % 7) + '"><div class="swatch"></div>' +
              '<h2 class="sc-aXbYc title"><a href="#p' + i + '">Lamp ' + i + '</a></h2>' +
              '<p class="price">€' + (20 + i) + '</p><ul class="tags"><li>brass</li><li>warm</li></ul>' +
              '<button data-testid="add-' + i + '">Add</button></article>');
          }
          document.body.innerHTML = '<header id="site-header"><a class="brand">Lumen</a></header>' +
            '<main style="display:grid;grid-template-columns:repeat(5,1fr);gap:12px">' + cards.join("") + '</main>';
          await new Promise((resolve) => setTimeout(resolve, 50));
          const targets = points.map(([x, y]) => [document.elementFromPoint(x, y), x, y]).filter(([el]) => el);
          const comment = document.createComment("");
          const loop = async (anchor) => {
            let anchored = 0;
            const t0 = performance.now();
            for (const [el, x, y] of targets) {
              if (comment.parentNode) comment.remove(); else document.body.append(comment);
              await Promise.resolve();
              if (anchor && anchorFor(el, x, y)) anchored++;
            }
            return { ms: performance.now() - t0, anchored };
          };
          const base = await loop(false);
          const cold = await loop(true);
          let t0 = performance.now();
          for (let run = 0; run < 20; run++) for (const [el, x, y] of targets) anchorFor(el, x, y);
          const cachedMs = (performance.now() - t0) / 20;
          return {
            elements: document.getElementsByTagName("*").length,
            samples: targets.length,
            anchored: cold.anchored,
            coldMicros: ((cold.ms - base.ms) * 1000) / targets.length,
            cachedMicros: (cachedMs * 1000) / targets.length,
          };
        };`,
      resolveDir: process.cwd(),
      loader: "ts",
    },
    bundle: true,
    format: "iife",
    write: false,
    logLevel: "silent",
  }).outputFiles[0]?.text as string;
}

interface AnchorCost {
  elements: number;
  samples: number;
  anchored: number;
  coldMicros: number;
  cachedMicros: number;
}

export async function benchPageCost(): Promise<PageCost> {
  const PORT = await freePort();
  const built = spawnSync(process.execPath, ["scripts/build.js"], {
    stdio: "ignore",
    env: { ...process.env, OUT_ROOT: DIST, HEATLENS_COMPANION_URL: `ws://127.0.0.1:${PORT}` },
  });
  if (built.status !== 0) throw new Error("building the extension failed");
  const companion = await startCompanion({ port: PORT, dataDir: tempDataDir("page-cost"), logLevel: "silent" });
  const url = `${companion.url}/demo/long.html`;
  try {
    // Side by side: the same page and moves without the extension, then with it.
    const plain = await plainChromium();
    const plainPage = await plain.newPage();
    await plainPage.setViewport(VIEWPORT);
    await plainPage.goto(url);
    await sleep(500);
    const without = await moveCost(plainPage, MOVES, INPUT_HZ);
    const withoutFrames = await moveCost(plainPage, FRAME_MOVES, null);
    await plainPage.addScriptTag({ content: anchorScript() });
    const points = Array.from({ length: ANCHOR_SAMPLES }, (_, i) => [100 + ((i * 37) % 900), 100 + ((i * 53) % 600)]);
    const anchors = (await plainPage.evaluate(
      (p) => (window as unknown as { heatlensAnchorBench(p: number[][]): Promise<object> }).heatlensAnchorBench(p),
      points,
    )) as AnchorCost;
    await plain.close();

    const launched = await launchWithExtension("chromium", DIST);
    const page = await launched.browser.newPage();
    await page.setViewport(VIEWPORT);
    await page.goto(url);
    await sleep(1000);
    const withExtension = await moveCost(page, MOVES, INPUT_HZ);
    const withFrames = await moveCost(page, FRAME_MOVES, null);
    const fast = added(without, withExtension);
    const framed = added(withoutFrames, withFrames);

    // A 50-column grid covering the whole 20,000 px page.
    const grid = companion.windows.snapshot(makeKey("desktop", new URL(url).origin, "/demo/long.html"), 2);
    const rows = Math.ceil(20_000 / (1280 / 50));
    for (let r = 0; r < rows; r++) for (let c = 0; c < 50; c++) grid.cells.push(c, r, 1 + ((r * 50 + c) % 97));
    Object.assign(grid, { rows, max: 97, total: grid.cells.length / 3 });
    await page.addScriptTag({ content: painterScript() });
    const paint = (await page.evaluate(
      (g, runs) =>
        (window as unknown as { heatlensPaintBench(g: Grid, r: number): object }).heatlensPaintBench(g, runs),
      grid as Grid,
      50,
    )) as { tiles: number; smooth: number };

    // An update storm: the overlay on, a new grid for its page every 20 ms for 4 s.
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
      }).observe({ type: "longtask", buffered: false });
    });
    await setOverlay(launched, url, true);
    await page.bringToFront();
    await sleep(1000);
    const busy = { ...grid, cells: grid.cells.slice(0, 5000 * 3) };
    for (let u = 0; u < 200; u++) {
      companion.bus.publish("grid", { ...busy, path: "/demo/long.html", total: busy.total + u } as Grid);
      await sleep(20);
    }
    await sleep(500);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    await launched.close();
    return {
      trackerMicrosPerEvent: fast.micros,
      trackerLayoutsPerEvent: (withExtension.layouts - without.layouts) / withExtension.received,
      trackerMovesPerSec: fast.perSec,
      trackerMicrosPerFrameMove: framed.micros,
      trackerFrameMovesPerSec: framed.perSec,
      anchorPageElements: anchors.elements,
      anchoredShare: anchors.anchored / anchors.samples,
      anchorCachedMicros: anchors.cachedMicros,
      anchorColdMicros: anchors.coldMicros,
      anchorMicrosPerEvent: (anchors.coldMicros * SAMPLES_PER_SEC) / fast.perSec,
      anchorMicrosPerFrameMove: (anchors.coldMicros * SAMPLES_PER_SEC) / framed.perSec,
      overlayPaintMs: paint.tiles,
      overlaySmoothPaintMs: paint.smooth,
      longTasks: longTasks.length,
      longestTaskMs: Math.max(0, ...longTasks),
    };
  } finally {
    await companion.close();
  }
}
