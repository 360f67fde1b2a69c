/**
 * What the scripts that make the README's pictures share: the extension built
 * for a companion of their own on a free port, that companion, and Chromium
 * (or `browser`) with the extension; and where an element's centre is.
 */
import { spawnSync } from "node:child_process";
import type { Page } from "puppeteer-core";
import { type Companion, startCompanion } from "../companion/src/server";
import { type BrowserName, type LaunchedBrowser, launchWithExtension } from "../tests/e2e/browsers";
import { freePort } from "../tests/support/free-port";
import { tempDataDir } from "../tests/support/temp-dir";

const DIST = "dist-shots";

export async function startShots(browser: BrowserName = "chromium"): Promise<{
  companion: Companion;
  launched: LaunchedBrowser;
}> {
  const port = await freePort();
  const built = spawnSync(process.execPath, ["scripts/build.js"], {
    stdio: "ignore",
    env: { ...process.env, OUT_ROOT: DIST, HEATLENS_COMPANION_URL: `ws://127.0.0.1:${port}` },
  });
  if (built.status !== 0) throw new Error("building the extension failed");
  const companion = await startCompanion({ port, dataDir: tempDataDir("shots"), logLevel: "silent" });
  return { companion, launched: await launchWithExtension(browser, DIST) };
}

export async function centreOf(page: Page, selector: string): Promise<[number, number]> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return [(r.left + r.right) / 2, (r.top + r.bottom) / 2] as [number, number];
  });
}
