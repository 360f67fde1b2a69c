/**
 * Snapshots from the overlay, in both browsers: heat on a known block far
 * down a lab page, "Snap & attach" clicked in the overlay's panel while
 * scrolled to it; the burnt-in PNG is downloaded, and the dashboard's view of
 * the page paints the clean picture behind the heat, aligned: the block's
 * colour under its cold tiles, the page's white just above it, the hot tile
 * blended over the block. A browser captures a tab only with activeTab or
 * access to every tab: in Chromium the toolbar button is clicked first (the
 * DevTools protocol's Extensions.triggerAction), in Firefox the options
 * page's "All sites" (which asks for every tab too) is switched on.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { interpolateTurbo } from "d3-scale-chromatic";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { SnapshotEntry } from "../../protocol/snapshot";
import { until } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  clickIn,
  distance,
  hover,
  openOptions,
  openPage,
  pixel,
  type Rgb,
  revealBox,
  setOverlay,
  settledGrid,
  type Tile,
  tileInBox,
  tiles,
  waitIn,
} from "./harness";
import { browserSession } from "./session";

/**
 * Sends the browser's downloads to `dir`: CDP's download behaviour in Chromium; in Firefox the
 * WebDriver BiDi command for every user context (puppeteer offers it only for new contexts).
 */
async function allowDownloads(launched: LaunchedBrowser, dir: string): Promise<void> {
  if (launched.name === "chromium") {
    const session = await launched.browser.target().createCDPSession();
    await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir });
    return;
  }
  const bidi = launched.browser as unknown as {
    connection: { send(method: string, params: object): Promise<unknown> };
  };
  await bidi.connection.send("browser.setDownloadBehavior", {
    downloadBehavior: { type: "allowed", destinationFolder: dir },
  });
}

/** A PNG's last chunk (IEND: length 0, type, CRC): a file that ends with it was written whole. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * The PNG named by `pattern` in `dir`, read once it is whole: a browser may create the file under its
 * name before it has written it all (Firefox did), so a name alone does not say the download ended.
 */
async function downloadedPng(dir: string, pattern: RegExp, what: string): Promise<PNG> {
  const found: { bytes?: Buffer } = {};
  await until(
    () => {
      const name = readdirSync(dir).find((n) => pattern.test(n));
      const bytes = name ? readFileSync(join(dir, name)) : null;
      if (bytes && bytes.length > PNG_END.length && bytes.subarray(-PNG_END.length).equals(PNG_END))
        found.bytes = bytes;
      return found.bytes !== undefined;
    },
    10_000,
    `${what}, whole, in ${dir}`,
  );
  if (!found.bytes) throw new Error(`${what}: not found whole in ${dir}`);
  return PNG.sync.read(found.bytes);
}

const BLOCK: Rgb = [0x2b, 0x6c, 0xb0];
const WHITE: Rgb = [255, 255, 255];
/** The dashboard's tile, in canvas px (dashboard.ts). */
const TILE = 14;

describe.each<BrowserName>(["chromium", "firefox"])("snapshots in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("download the picture and put the clean page behind the heat on the dashboard, aligned", async () => {
    // Under the test run's temporary directory, removed when the run ends.
    const downloads = tempDataDir("downloads");
    await allowDownloads(launched, downloads);
    const url = `${companion.url}/demo/lab/snapshot`;
    const tab = await openPage(launched, url);
    await setOverlay(launched, url, true);
    await tab.bringToFront();
    const block = await revealBox(tab, "#block");
    await hover(tab, block, 2500);
    const width = await tab.evaluate(() => document.documentElement.clientWidth);
    const grid = await settledGrid(companion.url, url, width);
    expect(grid.total).toBeGreaterThan(4);
    const scrolled = await tab.evaluate(() => scrollY);
    expect(scrolled).toBeGreaterThan(0);

    // Chromium lets an extension capture a tab only with activeTab (or access to all sites): a click on its toolbar button grants it.
    if (browserName === "chromium") {
      const ours = [...(await launched.browser.extensions()).values()].find((e) =>
        launched.extensionOrigin.endsWith(e.id),
      );
      if (!ours) throw new Error("the extension is not listed");
      await tab.triggerExtensionAction(ours);
      await tab.bringToFront();
    } else {
      const options = await openOptions(launched);
      await clickIn(options, "allSites");
      const said = () => document.getElementById("sitesResult")?.textContent ?? "";
      expect(await waitIn(options, said, (text) => text.includes("all sites"))).toContain(
        "Heatlens is on for all sites",
      );
      await options.close();
      await tab.bringToFront();
    }
    // "Snap & attach": the right half of the row 265 px up from the panel's bottom edge (panel.ts).
    const { w, h } = await tab.evaluate(() => ({
      w: document.documentElement.clientWidth,
      h: document.documentElement.clientHeight,
    }));
    await tab.mouse.click(w - 71, h - 265);
    const list = async () => {
      const res = await fetch(
        `${companion.url}/api/snapshots?origin=${encodeURIComponent(companion.url)}&path=${encodeURIComponent(grid.path)}`,
      );
      return ((await res.json()) as { snapshots: SnapshotEntry[] }).snapshots;
    };
    await until(async () => (await list()).length === 1, 20_000, "the snapshot on the companion");
    const [snapshot] = (await list()) as [SnapshotEntry];
    expect(snapshot).toMatchObject({ band: grid.band.id, layoutWidth: width, scrollY: scrolled, scrollX: 0 });
    expect(snapshot.legend).toMatch(/last 5 min · \d+ points/);

    // The downloaded picture: named by site, page, band and time, the legend's strip below the viewport.
    const named = new RegExp(`^heatlens-127\\.0\\.0\\.1-\\d+-demo-lab-snapshot-${grid.band.id}-[\\dT-]+Z\\.png$`);
    const picture = await downloadedPng(downloads, named, "the downloaded PNG");
    expect(picture.height).toBeGreaterThan(snapshot.viewportHeight * snapshot.dpr);

    // The dashboard's view of the page, in the band of the heat.
    const dashboard = await launched.browser.newPage();
    await dashboard.setViewport({ width: 1280, height: 900 });
    const query = new URLSearchParams({
      origin: companion.url,
      path: grid.path,
      band: grid.band.id,
      window: String(grid.windowMs),
    });
    await dashboard.goto(`${companion.url}/?${query}`);
    await dashboard.waitForFunction(
      () =>
        document.body.dataset.shown === location.search &&
        (document.getElementById("backdrop")?.textContent ?? "").startsWith("Behind the heat"),
      { timeout: 15_000 },
    );
    const caption = await dashboard.$eval("#backdrop", (el) => el.textContent ?? "");
    expect(caption).toContain(`taken at ${width} px wide, scrolled ${scrolled} px`);
    expect(await dashboard.$$eval("#snapshots img", (imgs) => imgs.length)).toBe(1);

    const scale = (grid.cols * TILE) / width;
    const at = (x: number, y: number) =>
      dashboard.$eval(
        "#detail-canvas",
        (canvas, p) => [
          ...((canvas as HTMLCanvasElement).getContext("2d")?.getImageData(p.x, p.y, 1, 1).data.slice(0, 3) ?? []),
        ],
        { x: Math.round(x), y: Math.round(y) },
      ) as Promise<Rgb>;
    const hot = tiles(grid)[0] as Tile;
    const cold = { x: block.left + 12, y: block.top + 12 };
    const tileSide = width / grid.cols;
    expect(
      tiles(grid).some((t) => t.col === Math.floor(cold.x / tileSide) && t.row === Math.floor(cold.y / tileSide)),
    ).toBe(false);
    expect(
      distance(await at(cold.x * scale, cold.y * scale), BLOCK),
      "the block under a cold tile",
    ).toBeLessThanOrEqual(24);
    expect(
      distance(await at(cold.x * scale, (block.top - 12) * scale), WHITE),
      "the page above the block",
    ).toBeLessThanOrEqual(24);
    const max = Math.max(...tiles(grid).map((t) => t.count));
    const heat = (interpolateTurbo(0.1 + 0.9 * (hot.count / max)).match(/\d+/g) ?? []).map(Number) as Rgb;
    const blended = heat.map((c, i) => Math.round(0.6 * c + 0.4 * (BLOCK[i] as number))) as Rgb;
    expect(
      distance(await at((hot.col + 0.5) * TILE, (hot.row + 0.5) * TILE), blended),
      "the hot tile over the block",
    ).toBeLessThanOrEqual(24);
    expect(tileInBox(hot, grid, width, block)).toBe(true);

    // The PNG export holds the page behind the heat too, under its two lines of text (52 px).
    await dashboard.click("#export-png");
    const png = await downloadedPng(downloads, /-\d+s-\d{8}T\d{6}Z\.png$/, "the exported PNG");
    expect(
      distance(pixel(png, cold.x * scale, 52 + cold.y * scale), BLOCK),
      "the block in the export",
    ).toBeLessThanOrEqual(24);
    await dashboard.close();
    await tab.close();
  });
});
