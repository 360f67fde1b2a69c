import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { saveCaptureSites } from "../state/capture-sites";
import { fakeBrowser } from "../testing/fake-browser";
import {
  keepSiteScriptsInSync,
  PAGE_WORLD_SCRIPT_ID,
  SCRIPT_ID,
  siteScriptsReady,
  syncSiteScripts,
} from "./site-scripts";

const SCRIPTS = ["/tracker.js", "/overlay.js"];
const registered = async () => (await fakeBrowser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] }))[0];

describe("site scripts", () => {
  let running: AbortController;
  beforeEach(() => {
    fakeBrowser.reset();
    running = new AbortController();
  });
  afterEach(() => running.abort());

  it("runs the tracker and overlay in every frame of the enabled sites the browser granted, not twice on the demo shop", async () => {
    await saveCaptureSites({ allSites: false, sites: ["https://a.test", "https://b.test"] });
    fakeBrowser.grant("https://a.test/*");
    await syncSiteScripts(SCRIPTS);
    expect(await registered()).toEqual({
      id: SCRIPT_ID,
      matches: ["https://a.test/*"],
      excludeMatches: ["http://127.0.0.1/demo/*", "http://localhost/demo/*"],
      js: SCRIPTS,
      allFrames: true,
      runAt: "document_idle",
    });
  });

  it("runs the page-world error relay on the same sites in the page's own world, from the document's start", async () => {
    await saveCaptureSites({ allSites: false, sites: ["https://a.test"] });
    fakeBrowser.grant("https://a.test/*");
    await syncSiteScripts(SCRIPTS, ["/page-errors.js"]);
    const both = await fakeBrowser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID, PAGE_WORLD_SCRIPT_ID] });
    expect(both.find((script) => script.id === PAGE_WORLD_SCRIPT_ID)).toEqual({
      id: PAGE_WORLD_SCRIPT_ID,
      matches: ["https://a.test/*"],
      excludeMatches: ["http://127.0.0.1/demo/*", "http://localhost/demo/*"],
      js: ["/page-errors.js"],
      allFrames: true,
      runAt: "document_start",
      world: "MAIN",
    });
    // A registration made before the relay existed gets it.
    await fakeBrowser.scripting.unregisterContentScripts({ ids: [PAGE_WORLD_SCRIPT_ID] });
    await syncSiteScripts(SCRIPTS, ["/page-errors.js"]);
    expect(await fakeBrowser.scripting.getRegisteredContentScripts({ ids: [PAGE_WORLD_SCRIPT_ID] })).toHaveLength(1);
  });

  it("follows the sites and the permissions, and registers nothing when no site is left", async () => {
    keepSiteScriptsInSync(SCRIPTS, running.signal);
    await saveCaptureSites({ allSites: false, sites: ["https://a.test"] });
    expect(await registered()).toBeUndefined();
    fakeBrowser.grant("https://a.test/*");
    await vi.waitFor(async () => expect((await registered())?.matches).toEqual(["https://a.test/*"]));
    fakeBrowser.grant("https://b.test/*");
    await saveCaptureSites({ allSites: false, sites: ["https://a.test", "https://b.test"] });
    await vi.waitFor(async () =>
      expect((await registered())?.matches).toEqual(["https://a.test/*", "https://b.test/*"]),
    );
    fakeBrowser.revoke("https://a.test/*", "https://b.test/*");
    await vi.waitFor(async () => expect(await registered()).toBeUndefined());
  });

  it("registers again a registration made before frames were included", async () => {
    await saveCaptureSites({ allSites: false, sites: ["https://a.test"] });
    fakeBrowser.grant("https://a.test/*");
    await fakeBrowser.scripting.registerContentScripts([{ id: SCRIPT_ID, matches: ["https://a.test/*"], js: SCRIPTS }]);
    await syncSiteScripts(SCRIPTS);
    expect((await registered())?.allFrames).toBe(true);
  });

  it("says when the scripts are ready for a site, or gives up after its time", async () => {
    await saveCaptureSites({ allSites: false, sites: ["https://a.test"] });
    fakeBrowser.grant("https://a.test/*");
    expect(await siteScriptsReady(SCRIPTS, "https://a.test/*")).toBe(true);
    expect(await siteScriptsReady(SCRIPTS, "https://c.test/*", 150)).toBe(false);
  });
});
