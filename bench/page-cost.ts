/**
 * The extension's cost inside a page, in real Chromium with the built
 * extension, on the 20,000 px demo page:
 * - the tracker: script time it adds per mousemove the page receives, with
 *   and without the extension side by side, and the layouts it adds; at a
 *   high input rate (a 1,000 Hz mouse: CDP moves sent every millisecond, the
 *   page gets as many as the browser delivers) and at one move per frame
 *   (each CDP move awaited, which headless Chromium answers once a frame);
 * - anchors (extension/page/anchor.ts) on a shop page of about 9,000
 *   elements and on a deep page of 20,000 named by utility classes only:
 *   script time per sample while nothing changed (cached: one rect read),
 *   right after a DOM change elsewhere (an element added or removed; on the
 *   shop also a ticking clock) and at first sight, and the shop's cost after
 *   a change spread over the mousemoves of the runs above (at most 4
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
  /** Script time of one sample's anchor: unchanged page (cached), just after a DOM change elsewhere, first sight. */
  anchorCachedMicros: number;
  anchorColdMicros: number;
  anchorFirstMicros: number;
  /** The same shop while a clock in its header ticks (text and class, every 100 ms). */
  anchorClockMicros: number;
  /** A deep page of 20,000 elements named by utility classes only: the same three figures. */
  deepPageElements: number;
  deepAnchoredShare: number;
  deepCachedMicros: number;
  deepColdMicros: number;
  deepFirstMicros: number;
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
/** Rounds of each anchor figure (a new page each); the median is reported, the machine's noise being what it is. */
const ANCHOR_ROUNDS = 5;

/**
 * anchorFor bundled for the page: window.heatlensAnchorBench(page, change,
 * points) builds a page, then times the anchors of the elements under the
 * points, each against the same loop without anchors: at first sight (each
 * element anchored for the first time), cached (nothing changed), and right
 * after a change elsewhere in the page before each sample: "element" (a
 * hidden toast added to the body, or removed: no layout, so that the
 * machine's layout noise stays out of a figure of a few µs) or "clock" (a
 * visible clock's text and class changing every 100 ms: 2.5 ticks between
 * two samples at 4 a second).
 * Pages: "shop", 1,000 product cards (hashed classes, test ids); "deep",
 * 20,000 elements nested a dozen deep, named only by utility classes
 * (Tailwind style: no test ids, no ids, no class unique to one element).
 */
function anchorScript(): string {
  return buildSync({
    stdin: {
      contents: `
        import { anchorFor } from "./extension/page/anchor";
        const pages = {
          shop() {
            const cards = [];
            for (let i = 0; i < 1000; i++) {
              cards.push('<article class="card css-1x2y3z' + (i % 7) + '"><div class="swatch"></div>' +
                '<h2 class="sc-aXbYc title"><a href="#p' + i + '">Lamp ' + i + '</a></h2>' +
                '<p class="price">€' + (20 + i) + '</p><ul class="tags"><li>brass</li><li>warm</li></ul>' +
                '<button data-testid="add-' + i + '">Add</button></article>');
            }
            return '<header id="site-header"><a class="brand">Lumen</a> <time class="clock">12:00:00</time></header>' +
              '<main style="display:grid;grid-template-columns:repeat(5,1fr);gap:12px">' + cards.join("") + '</main>';
          },
          deep() {
            const row = (i) => '<div class="flex items-center gap-2 p-2 border-b"><div class="flex-1 min-w-0">' +
              '<div class="flex items-center"><span class="text-sm font-medium truncate">Item ' + i + '</span>' +
              '<span class="ml-2 text-xs text-gray-500">2 h</span></div><div class="mt-1 flex gap-1">' +
              '<span class="px-2 rounded text-xs">a</span><span class="px-2 rounded text-xs">b</span></div></div>' +
              '<button class="px-3 py-1 rounded text-sm">Buy</button></div>';
            const groups = [];
            for (let g = 0; g < 100; g++) {
              const rows = [];
              for (let r = 0; r < 22; r++) rows.push(row(g * 22 + r));
              groups.push('<section class="p-4"><div class="rounded shadow"><div class="relative"><div class="grid gap-1">' +
                rows.join("") + '</div></div></div></section>');
            }
            return '<div class="min-h-screen flex flex-col"><div class="flex-1"><div class="mx-auto px-4">' +
              '<div class="flex gap-4"><div class="w-full"><time class="clock">12:00:00</time>' + groups.join("") +
              '</div></div></div></div></div>';
          },
        };
        window.heatlensAnchorBench = async (kind, change, points, rounds) => {
          const figures = { first: [], cached: [], changed: [] };
          let result;
          for (let round = 0; round < rounds; round++) {
            // A new page each round: new elements, anchored for the first time.
            document.body.innerHTML = pages[kind]();
            await new Promise((resolve) => setTimeout(resolve, 50));
            const targets = points.map(([x, y]) => [document.elementFromPoint(x, y), x, y]).filter(([el]) => el);
            const clock = document.querySelector(".clock");
            const toast = document.createElement("div");
            toast.className = "toast";
            toast.hidden = true;
            let ticks = 0;
            const changes = {
              none() {},
              element() {
                if (toast.parentNode) toast.remove(); else document.body.append(toast);
              },
              clock(i) {
                for (let t = i % 2 ? 3 : 2; t > 0; t--) {
                  ticks++;
                  clock.textContent = "12:00:" + String(ticks % 60).padStart(2, "0");
                  clock.className = ticks % 2 ? "clock tick" : "clock";
                }
              },
            };
            // Synchronous, as the sampler's timer: the observer's records are taken inside anchorFor.
            // Both loops read the element's box first: the layout a change needs (which the page's next
            // frame would do anyway) is then in both, and the difference is the anchor's script.
            const loop = (anchor, change) => {
              let anchored = 0;
              const t0 = performance.now();
              targets.forEach(([el, x, y], i) => {
                changes[change](i);
                el.getBoundingClientRect();
                if (anchor && anchorFor(el, x, y)) anchored++;
              });
              return { ms: performance.now() - t0, anchored };
            };
            const micros = (withAnchors, without) => ((withAnchors.ms - without.ms) * 1000) / targets.length;
            const base = loop(false, "none");
            const first = loop(true, "none");
            figures.first.push(micros(first, base));
            for (let run = 0; run < 5; run++) figures.cached.push(micros(loop(true, "none"), loop(false, "none")));
            for (let run = 0; run < 5; run++) {
              const without = loop(false, change);
              figures.changed.push(micros(loop(true, change), without));
            }
            result = { elements: document.getElementsByTagName("*").length, samples: targets.length, anchored: first.anchored };
          }
          const median = (list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)];
          return {
            ...result,
            firstMicros: median(figures.first),
            cachedMicros: median(figures.cached),
            changedMicros: median(figures.changed),
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
  /** Script time of one sample's anchor: element never anchored before, nothing changed (cached), just after a change. */
  firstMicros: number;
  cachedMicros: number;
  changedMicros: number;
}

/** The anchor figures of one page and change, in a fresh tab of `browser`. */
export async function anchorCost(
  browser: Browser,
  kind: "shop" | "deep",
  change: "element" | "clock",
): Promise<AnchorCost> {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  await page.goto("about:blank");
  await page.addScriptTag({ content: anchorScript() });
  const points = Array.from({ length: ANCHOR_SAMPLES }, (_, i) => [100 + ((i * 37) % 900), 100 + ((i * 53) % 600)]);
  const cost = (await page.evaluate(
    (k, c, p, r) =>
      (
        window as unknown as { heatlensAnchorBench(k: string, c: string, p: number[][], r: number): Promise<object> }
      ).heatlensAnchorBench(k, c, p, r),
    kind,
    change,
    points,
    ANCHOR_ROUNDS,
  )) as AnchorCost;
  await page.close();
  return cost;
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
    const shop = await anchorCost(plain, "shop", "element");
    const shopClock = await anchorCost(plain, "shop", "clock");
    const deep = await anchorCost(plain, "deep", "element");
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
      anchorPageElements: shop.elements,
      anchoredShare: shop.anchored / shop.samples,
      anchorCachedMicros: shop.cachedMicros,
      anchorColdMicros: shop.changedMicros,
      anchorFirstMicros: shop.firstMicros,
      anchorClockMicros: shopClock.changedMicros,
      deepPageElements: deep.elements,
      deepAnchoredShare: deep.anchored / deep.samples,
      deepCachedMicros: deep.cachedMicros,
      deepColdMicros: deep.changedMicros,
      deepFirstMicros: deep.firstMicros,
      anchorMicrosPerEvent: (shop.changedMicros * SAMPLES_PER_SEC) / fast.perSec,
      anchorMicrosPerFrameMove: (shop.changedMicros * SAMPLES_PER_SEC) / framed.perSec,
      overlayPaintMs: paint.tiles,
      overlaySmoothPaintMs: paint.smooth,
      longTasks: longTasks.length,
      longestTaskMs: Math.max(0, ...longTasks),
    };
  } finally {
    await companion.close();
  }
}
