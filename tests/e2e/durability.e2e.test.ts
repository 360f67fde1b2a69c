/**
 * Nothing lost, in real browsers with the built extension: the companion down
 * for two minutes while the cursor moves in Chromium and Firefox at once, the
 * service worker stopped in the middle of a stream, and the browser restarted
 * with a full outbox. Each move is spaced beyond the 250 ms sampling
 * interval, so each is exactly one sample: the companion must count exactly
 * as many, at their capture times.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { afterEach, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { tempDataDir } from "../support/temp-dir";
import { type BrowserName, type LaunchedBrowser, launchWithExtension } from "./browsers";
import {
  E2E_DIST,
  inExtensionPage,
  openPage,
  openTrackedPage,
  sleep,
  startE2ECompanion,
  untilTracked,
  waitForConnections,
} from "./harness";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Least time between the end of a move and the start of the next: beyond the 250 ms sampling interval. */
const MOVE_SPACING_MS = 300;

/**
 * Moves the cursor `n` times over the page's top area, one every `gapMs` from the first (so that `n` moves
 * take `n × gapMs` however long the browser takes for each), and never less than MOVE_SPACING_MS after the
 * move before; returns the move times.
 */
async function moves(page: Page, n: number, gapMs = 400): Promise<{ first: number; last: number; times: number[] }> {
  const times: number[] = [];
  const start = Date.now();
  for (let i = 0; i < n; i++) {
    times.push(Date.now());
    await page.mouse.move(100 + (i % 40) * 25, 120 + Math.floor(i / 40) * 20);
    await sleep(Math.max(MOVE_SPACING_MS, start + (i + 1) * gapMs - Date.now()));
  }
  return { first: times[0] as number, last: times.at(-1) as number, times };
}

/** The demo page each browser moves on in the two-minute test: pages apart, so that each is counted alone. */
const OFFLINE_PAGES: Record<BrowserName, string> = { chromium: "/demo/", firefox: "/demo/long" };

async function total(companion: Companion, query = "", path = "/demo/"): Promise<number> {
  const res = await fetch(`${companion.url}/api/heatmap?url=${companion.url}${path}&width=1280${query}`);
  return ((await res.json()) as { total: number }).total;
}

/** Waits until the live 5-minute total of `path` reaches `want`, then a little longer to see that it stays there. */
async function settleAt(companion: Companion, want: number, ms = 60_000, path = "/demo/"): Promise<number> {
  const end = Date.now() + ms;
  let seen = await total(companion, "", path);
  while (seen < want && Date.now() < end) {
    await sleep(250);
    seen = await total(companion, "", path);
  }
  // A span in which a doubled point would show: none may come.
  await sleep(3000);
  return total(companion, "", path);
}

/**
 * Waits until the extension's outbox (its IndexedDB, read from one of its pages) holds `moves` points
 * with coordinates (scroll marks and the controls inventory have none), samples and batches alike.
 */
async function outboxHolds(launched: LaunchedBrowser, moves: number, ms = 15_000): Promise<void> {
  const stored = () =>
    inExtensionPage(
      launched,
      async () => {
        // Never opened here before the extension made it: opening would create it empty.
        if (!(await indexedDB.databases()).some((d) => d.name === "heatlens-outbox")) return 0;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open("heatlens-outbox");
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const all = <T>(store: string) =>
          new Promise<T[]>((resolve, reject) => {
            const read = db.transaction(store).objectStore(store).getAll();
            read.onsuccess = () => resolve(read.result as T[]);
            read.onerror = () => reject(read.error);
          });
        type Sample = { x: number; y: number; mark?: unknown; controls?: unknown; signal?: unknown };
        const samples = await all<Sample>("samples");
        const batches = await all<{ pages: { pts: number[] }[] }>("batches");
        db.close();
        const loose = samples.filter((s) => !s.mark && !s.controls && !s.signal).length;
        return loose + batches.reduce((n, b) => n + b.pages.reduce((m, p) => m + p.pts.length / 4, 0), 0);
      },
      null,
    );
  let held = await stored();
  for (const end = Date.now() + ms; held < moves && Date.now() < end; ) {
    await sleep(250);
    held = await stored();
  }
  if (held < moves) throw new Error(`the outbox holds ${held} of the ${moves} moves`);
}

async function launch(name: BrowserName, profile?: string): Promise<LaunchedBrowser> {
  const launched = await launchWithExtension(name, E2E_DIST, { profile });
  cleanups.push(() => launched.close());
  return launched;
}

describe("durability in Chromium and Firefox on one companion", () => {
  it("keeps what each browser captured while the companion was down for two minutes, and counts it once at its capture time", async () => {
    const names: BrowserName[] = ["chromium", "firefox"];
    const dataDir = tempDataDir("offline");
    let companion = await startE2ECompanion(dataDir);
    const launched = await Promise.all(names.map((name) => launch(name)));
    await waitForConnections(companion, names.length);
    // Each move counts: both trackers listen before the first.
    const pages = await Promise.all(
      names.map((name, i) =>
        openTrackedPage(launched[i] as LaunchedBrowser, companion.url, `${companion.url}${OFFLINE_PAGES[name]}`),
      ),
    );
    // Both browsers move at once, each on its own page: the checks below hold for each alone.
    const each = <T>(f: (page: Page, path: string, name: BrowserName) => Promise<T>): Promise<T[]> =>
      Promise.all(names.map((name, i) => f(pages[i] as Page, OFFLINE_PAGES[name], name)));

    const began = Date.now();
    await each((page) => moves(page, 10));
    expect(await each((_, path) => settleAt(companion, 10, 60_000, path))).toEqual([10, 10]);

    await companion.close();
    const offline = await each((page) => moves(page, 300));
    companion = await startE2ECompanion(dataDir);
    cleanups.push(() => companion.close());

    // A browser may have stopped its background while offline: an alarm wakes it within 30 s.
    expect(await each((_, path) => settleAt(companion, 310, 120_000, path))).toEqual([310, 310]);
    await each(async (_, path, name) => {
      const { times, last } = offline[names.indexOf(name)] as Awaited<ReturnType<typeof moves>>;
      // At capture time, not arrival time: the last 10 s hold only the moves made in them (all 300 had they
      // been stamped on arrival). Panes are 250 ms, so the edge of the window is allowed one move either way.
      const now = Date.now();
      const recent = (ms: number) => times.filter((t) => t >= now - ms).length;
      const inLast10s = await total(companion, "&window=10000", path);
      expect(inLast10s, `${name}: moves in the last 10 s`).toBeGreaterThanOrEqual(recent(9_500));
      expect(inLast10s, `${name}: moves in the last 10 s`).toBeLessThanOrEqual(recent(10_500));
      // And the history holds each once (it counts by whole minutes), once written: every 2 s.
      const range = `&from=${began - 60_000}&to=${last + 60_000}`;
      const end = Date.now() + 15_000;
      let history = await total(companion, range, path);
      while (history < 310 && Date.now() < end) {
        await sleep(250);
        history = await total(companion, range, path);
      }
      expect(history, `${name}: history`).toBe(310);
    });
  }, 360_000);
});

describe("durability in chromium", () => {
  it("loses and doubles nothing when the service worker is stopped mid-stream", async () => {
    const companion = await startE2ECompanion();
    cleanups.push(() => companion.close());
    const launched = await launch("chromium");
    await waitForConnections(companion, 1);
    const page = await openTrackedPage(launched, companion.url, `${companion.url}/demo/`);
    const stopping = (async () => {
      // Pacing: the worker stops about 3 s into the 25 moves' 9 s, in the middle of the stream.
      await sleep(3000);
      const target = await launched.browser.waitForTarget((t) => t.type() === "service_worker");
      const worker = await target.worker();
      await worker?.close();
    })();
    await moves(page, 25, 350);
    await stopping;
    expect(await settleAt(companion, 25)).toBe(25);
  }, 120_000);

  it("delivers a non-empty outbox after the browser restarts on the same profile", async () => {
    const dataDir = tempDataDir("restart");
    const profile = await mkdtemp(join(tmpdir(), "heatlens-profile-"));
    cleanups.push(() => rm(profile, { recursive: true, force: true }));
    let companion = await startE2ECompanion(dataDir);
    let launched = await launch("chromium", profile);
    await waitForConnections(companion, 1);
    const url = `${companion.url}/demo/`;
    // The tracker listens (its view reached the companion) before the companion goes.
    const page = await untilTracked(companion.url, url, () => openPage(launched, url));
    await companion.close();
    await moves(page, 20);
    // The browser closes once the 20 moves are stored in the outbox.
    await outboxHolds(launched, 20);
    await launched.close();

    companion = await startE2ECompanion(dataDir);
    cleanups.push(() => companion.close());
    launched = await launch("chromium", profile);
    expect(await settleAt(companion, 20)).toBe(20);
  }, 180_000);
});
