/**
 * The connection status a user sees when the companion requires a token, in
 * both browsers: the popup and the toolbar button's tooltip tell apart a
 * missing token, a refused one, a companion that is not running and an
 * address where something else answers, and say what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { tempDataDir } from "../support/temp-dir";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  E2E_DIST,
  inExtensionPage,
  type OtherSite,
  openOptions,
  openPage,
  saveOptions,
  setOverlay,
  sleep,
  startE2ECompanion,
  startSite,
  waitIn,
} from "./harness";

interface Shown {
  state: string;
  headline: string;
  detail: string;
  todo: string;
}

/** What the popup aimed at `targetUrl` shows, once its state is `state` (or what it last showed). */
async function popupOnce(launched: LaunchedBrowser, targetUrl: string, state: string): Promise<Shown> {
  const popupUrl = `${launched.extensionOrigin}/extension/popup/popup.html?target=${encodeURIComponent(targetUrl)}`;
  const page = await launched.browser.newPage();
  const navigation = page.goto(popupUrl).catch(() => undefined);
  try {
    return await waitIn(
      page,
      () => {
        const status = document.getElementById("status");
        return {
          state: status?.dataset.state ?? "",
          headline: status?.textContent ?? "",
          detail: document.getElementById("detail")?.textContent ?? "",
          todo: document.getElementById("todo")?.textContent ?? "",
        };
      },
      (shown) => shown?.state === state,
    );
  } finally {
    await page.close();
    void navigation;
  }
}

/** The toolbar button's tooltip, once it starts with `prefix` (or what it last was). */
async function tooltip(launched: LaunchedBrowser, prefix: string): Promise<string> {
  let title = "";
  for (const end = Date.now() + 10_000; !title.startsWith(prefix) && Date.now() < end; await sleep(200)) {
    title = await inExtensionPage(
      launched,
      async () => {
        const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
        return api.action.getTitle({});
      },
      null,
    );
  }
  return title;
}

/** Saves settings through the options page, as a user would. */
async function saveSettings(launched: LaunchedBrowser, values: { token?: string; companionUrl?: string }) {
  const options = await openOptions(launched);
  const said = await saveOptions(options, values);
  await options.close();
  expect(said).toContain("Saved");
}

describe.each<BrowserName>(["chromium", "firefox"])("connection status in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  let target: string;
  let token: string;
  let stopped = false;
  let other: OtherSite;

  beforeAll(async () => {
    companion = await startE2ECompanion(tempDataDir("status"));
    token = companion.tokens.create("browser", ["capture", "view"]).token;
    launched = await borrowBrowser(name, E2E_DIST);
    // The popup needs a tab to aim at; the demo page stays open after the companion stops.
    target = `${companion.url}/demo/`;
    await openPage(launched, target);
    other = await startSite((_req, res) => res.end("<h1>Another web server</h1>"));
  });

  afterAll(async () => {
    await launched?.close();
    if (!stopped) await companion?.close();
    await other?.close();
  });

  it("says a token is needed when none is set", async () => {
    const shown = await popupOnce(launched, target, "needs-token");
    expect(shown).toMatchObject({ state: "needs-token", headline: "Needs a token" });
    expect(shown.detail).toContain(`the companion at 127.0.0.1:${companion.port} requires a token`);
    expect(shown.todo).toBe("Enter one in Options → Token.");
    expect(await tooltip(launched, "Heatlens · Needs a token")).toBe(
      `Heatlens · Needs a token — the companion at 127.0.0.1:${companion.port} requires a token. Enter one in Options → Token.`,
    );
  });

  it("says the token is refused, and why, when it is wrong", async () => {
    await saveSettings(launched, { token: `${token.slice(0, 12)}${"A".repeat(43)}` });
    const shown = await popupOnce(launched, target, "token-refused");
    expect(shown).toMatchObject({ state: "token-refused", headline: "Token refused" });
    expect(shown.detail).toContain("the companion does not know this token");
    expect(shown.todo).toBe("Enter a valid token in Options → Token.");
    expect(await tooltip(launched, "Heatlens · Token refused")).toContain("the companion does not know this token");
  });

  it("connects with the right token", async () => {
    await saveSettings(launched, { token });
    expect(await popupOnce(launched, target, "open")).toMatchObject({ headline: "Connected", todo: "" });
    expect(await tooltip(launched, "Heatlens · Connected")).toBe("Heatlens · Connected");
    expect(companion.gateway.connectionCount).toBe(1);
  });

  it("says a capture-only token lacks a role once the overlay asks for grids, while capture goes on", async () => {
    const captureOnly = companion.tokens.create("capture only", ["capture"]).token;
    await saveSettings(launched, { token: captureOnly });
    await setOverlay(launched, target, true);
    const shown = await popupOnce(launched, target, "token-limited");
    expect(shown).toMatchObject({ state: "token-limited", headline: "Token lacks a role" });
    expect(shown.detail).toContain("this token may not view grids");
    expect(shown.todo).toContain("enter a token with that role in Options → Token");
    const page = (await launched.browser.pages()).find((p) => p.url() === target);
    if (!page) throw new Error("the demo tab is gone");
    await page.bringToFront();
    const before = companion.gateway.counters.points;
    for (let i = 0; i < 12 && companion.gateway.counters.points === before; i++) {
      await page.mouse.move(200 + i * 20, 300);
      await sleep(250);
    }
    expect(companion.gateway.counters.points).toBeGreaterThan(before);
    await setOverlay(launched, target, false);
    await saveSettings(launched, { token });
  });

  it("says the companion is not running once it stops", async () => {
    await companion.close();
    stopped = true;
    const shown = await popupOnce(launched, target, "not-running");
    expect(shown).toMatchObject({ state: "not-running", headline: "Companion not running" });
    expect(shown.detail).toContain(`nothing answers at 127.0.0.1:${companion.port}`);
    expect(shown.todo).toContain("Start it");
    expect(await tooltip(launched, "Heatlens · Companion not running")).toContain("nothing answers");
  });

  it("says the address is wrong when another web server answers there", async () => {
    const { port } = other;
    await saveSettings(launched, { companionUrl: `ws://127.0.0.1:${port}` });
    const shown = await popupOnce(launched, target, "wrong-address");
    expect(shown).toMatchObject({ state: "wrong-address", headline: "Wrong address" });
    expect(shown.detail).toContain(`127.0.0.1:${port} answers, but not as a Heatlens companion`);
    expect(shown.todo).toBe("Correct Options → Companion URL.");
    expect(await tooltip(launched, "Heatlens · Wrong address")).toContain("not as a Heatlens companion");
  });
});
