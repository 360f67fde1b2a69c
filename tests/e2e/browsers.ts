/**
 * Launches Debian's Chromium and Firefox ESR headless, with the built
 * extension loaded, through puppeteer-core. Each launch gets a fresh profile,
 * unless it is given one to reopen (a browser restart).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

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
  /** The profile directory, for a restart on the same profile. */
  profile: string;
  browser: Browser;
  /** Origin of the extension's pages (chrome-extension://… or moz-extension://…). */
  extensionOrigin: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** A profile directory to reuse; it is then kept when the browser closes. */
  profile?: string;
}

export async function launchWithExtension(
  name: BrowserName,
  distRoot = "dist",
  options: LaunchOptions = {},
): Promise<LaunchedBrowser> {
  const profile = options.profile ?? (await mkdtemp(join(tmpdir(), `heatlens-${name}-`)));
  const cleanup = () => (options.profile ? Promise.resolve() : rm(profile, { recursive: true, force: true }));
  if (name === "chromium") {
    const dir = resolve(distRoot, "chrome");
    const browser = await puppeteer.launch({
      executablePath: EXECUTABLES.chromium,
      headless: true,
      pipe: true,
      enableExtensions: [dir],
      userDataDir: profile,
      defaultViewport: null,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,800",
      ],
    });
    const worker = await browser.waitForTarget(
      (t) => t.type() === "service_worker" && t.url().startsWith("chrome-extension://"),
      {
        timeout: 15_000,
      },
    );
    const extensionOrigin = worker.url().split("/").slice(0, 3).join("/");
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
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: EXECUTABLES.firefox,
    headless: true,
    userDataDir: profile,
    defaultViewport: null,
    // Lets WebDriver BiDi open the extension's own moz-extension:// pages, as Chromium can.
    args: ["--width=1280", "--height=800", "--remote-allow-system-access"],
    extraPrefsFirefox: {
      "extensions.webextensions.uuids": JSON.stringify({ [FIREFOX_ID]: FIREFOX_UUID }),
      "datareporting.policy.dataSubmissionEnabled": false,
      "browser.shell.checkDefaultBrowser": false,
      // Grants what the extension asks for at run time (the options page's "All sites") as a click on Allow would.
      "extensions.webextOptionalPermissionPrompts": false,
    },
  });
  await browser.installExtension(resolve(distRoot, "firefox"));
  return {
    name,
    profile,
    browser,
    extensionOrigin: `moz-extension://${FIREFOX_UUID}`,
    async close() {
      await browser.close();
      await cleanup();
    },
  };
}
