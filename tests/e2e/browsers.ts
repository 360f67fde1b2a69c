/**
 * Launches Debian's Chromium and Firefox ESR headless, with the built
 * extension loaded, through puppeteer-core. Each launch gets a fresh profile,
 * unless it is given one to reopen (a browser restart). The end-to-end files
 * borrow one browser of each kind instead (borrowBrowser), with the extension
 * installed afresh for each.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { tempDataDir } from "../support/temp-dir";

export type BrowserName = "chromium" | "firefox";

export const EXECUTABLES: Record<BrowserName, string> = {
  chromium: process.env.HEATLENS_CHROMIUM ?? "/usr/bin/chromium",
  firefox: process.env.HEATLENS_FIREFOX ?? "/usr/bin/firefox-esr",
};

/** A fixed add-on UUID, so that tests know the Firefox extension's origin. */
export const FIREFOX_UUID = "3f1c9a52-6f0e-4d8a-9b51-6c0d2a7e4b11";
const FIREFOX_ID = "heatlens@heatlens.dev";

export interface LaunchedBrowser {
  name: BrowserName;
  /** The profile directory, for a restart on the same profile ("" for a borrowed browser, which is not restarted). */
  profile: string;
  browser: Browser;
  /** Origin of the extension's pages (chrome-extension://… or moz-extension://…). */
  extensionOrigin: string;
  /** Closes the browser; a borrowed one is given back instead (borrowBrowser). */
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** A profile directory to reuse; it is then kept when the browser closes. */
  profile?: string;
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--window-size=1280,800",
];

const FIREFOX_ARGS = ["--width=1280", "--height=800", "--remote-allow-system-access"];

const FIREFOX_PREFS = {
  "extensions.webextensions.uuids": JSON.stringify({ [FIREFOX_ID]: FIREFOX_UUID }),
  // Its origin stays the same when the extension is installed again (borrowBrowser); its storage still goes.
  "extensions.webextensions.keepUuidOnUninstall": true,
  "datareporting.policy.dataSubmissionEnabled": false,
  "browser.shell.checkDefaultBrowser": false,
  // Grants what the extension asks for at run time (the options page's "All sites") as a click on Allow would.
  "extensions.webextOptionalPermissionPrompts": false,
};

/**
 * Starts the browser on `userDataDir`. Chromium loads the unpacked extension
 * at `chromeExtension` on start, or takes one installed later if none is given;
 * Firefox always has it installed later (installExtension).
 */
function launch(name: BrowserName, userDataDir: string, chromeExtension?: string): Promise<Browser> {
  if (name === "chromium") {
    return puppeteer.launch({
      executablePath: EXECUTABLES.chromium,
      headless: true,
      pipe: true,
      enableExtensions: chromeExtension ? [chromeExtension] : true,
      userDataDir,
      defaultViewport: null,
      args: CHROMIUM_ARGS,
    });
  }
  return puppeteer.launch({
    browser: "firefox",
    executablePath: EXECUTABLES.firefox,
    headless: true,
    userDataDir,
    defaultViewport: null,
    // Lets WebDriver BiDi open the extension's own moz-extension:// pages, as Chromium can.
    args: FIREFOX_ARGS,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
}

/** Where the build under `distRoot` has the extension for `name`. */
const extensionDir = (name: BrowserName, distRoot: string) =>
  resolve(distRoot, name === "chromium" ? "chrome" : "firefox");

export async function launchWithExtension(
  name: BrowserName,
  distRoot = "dist",
  options: LaunchOptions = {},
): Promise<LaunchedBrowser> {
  const profile = options.profile ?? (await mkdtemp(join(tmpdir(), `heatlens-${name}-`)));
  const cleanup = () => (options.profile ? Promise.resolve() : rm(profile, { recursive: true, force: true }));
  const dir = extensionDir(name, distRoot);
  let extensionOrigin = `moz-extension://${FIREFOX_UUID}`;
  const browser = await launch(name, profile, dir);
  if (name === "chromium") {
    const worker = await browser.waitForTarget(
      (t) => t.type() === "service_worker" && t.url().startsWith("chrome-extension://"),
      { timeout: 15_000 },
    );
    extensionOrigin = worker.url().split("/").slice(0, 3).join("/");
  } else {
    await browser.installExtension(dir);
  }
  return {
    name,
    profile,
    browser,
    extensionOrigin,
    async close() {
      await browser.close();
      await cleanup();
    },
  };
}

/** One browser of each kind for the whole run of a worker (launching one takes 2 s for Chromium, 5 s for Firefox). */
const shared = new Map<BrowserName, Promise<Browser>>();

function sharedBrowser(name: BrowserName): Promise<Browser> {
  let browser = shared.get(name);
  if (!browser) {
    // Under the run's directory, removed when the run ends; the browser is killed when this process exits.
    browser = launch(name, tempDataDir(name));
    shared.set(name, browser);
    // A launch that failed is tried again by the next file rather than failing every file after it.
    browser.catch(() => shared.delete(name));
  }
  return browser;
}

/** Whether a shared browser is lent out, so that two borrowers never share one extension install. */
const lent = new Set<BrowserName>();

/**
 * The run's browser of kind `name` with the extension just installed, as a
 * user who installs it finds it: no settings, token, outbox, granted site or
 * tab state left by the file before. Its `close()` gives it back: every tab
 * closed (a blank one kept, so that the browser stays up) and the extension
 * uninstalled, which deletes its storage.
 */
export async function borrowBrowser(name: BrowserName, distRoot = "dist"): Promise<LaunchedBrowser> {
  if (lent.has(name)) throw new Error(`the shared ${name} is already lent: give it back (close()) first`);
  lent.add(name);
  try {
    let browser = await sharedBrowser(name);
    if (!browser.connected) {
      // It crashed or was closed: a new one for this file and the next.
      shared.delete(name);
      browser = await sharedBrowser(name);
    }
    const id = await browser.installExtension(extensionDir(name, distRoot));
    return {
      name,
      profile: "",
      browser,
      extensionOrigin: name === "chromium" ? `chrome-extension://${id}` : `moz-extension://${FIREFOX_UUID}`,
      async close() {
        try {
          const blank = await browser.newPage();
          for (const page of (await browser.pages()).filter((p) => p !== blank)) await page.close();
          // Permissions a file granted to pages (the clipboard's) are the browser's, not the extension's.
          if (name === "chromium") await browser.defaultBrowserContext().clearPermissionOverrides();
          await browser.uninstallExtension(id);
        } catch (error) {
          // Not given back clean: the next file gets a browser of its own.
          shared.delete(name);
          await browser.close().catch(() => undefined);
          throw error;
        } finally {
          lent.delete(name);
        }
      },
    };
  } catch (error) {
    lent.delete(name);
    throw error;
  }
}
