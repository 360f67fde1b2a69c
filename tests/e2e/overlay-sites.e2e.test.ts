/**
 * Sites: out of the box Heatlens captures only the companion's demo shop. A
 * site added in the options page is captured after its pages reload, never
 * twice on the demo shop's pages, and not any more once removed. The popup
 * turns it on again for the tab's site in one click.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  clickIn,
  E2E_DIST,
  fetchGrid,
  hover,
  type OtherSite,
  openOptions,
  openPage,
  openTrackedPage,
  overlayLegend,
  revealBox,
  settledGrid,
  sleep,
  startE2ECompanion,
  startSite,
  untilTracked,
  waitForConnections,
  waitIn,
} from "./harness";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Staging shop</title></head>
<body style="margin:0;background:#fff"><div id="box" style="margin:100px;width:400px;height:300px;background:#29335c"></div></body></html>`;

describe.each<BrowserName>(["chromium", "firefox"])("capture sites in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  let other: OtherSite;
  let siteUrl: string;

  beforeAll(async () => {
    companion = await startE2ECompanion();
    other = await startSite((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(PAGE));
    siteUrl = `http://127.0.0.1:${other.port}/shop/`;
    launched = await borrowBrowser(browserName, E2E_DIST);
    await waitForConnections(companion, 1);
  });

  afterAll(async () => {
    await launched?.close();
    await companion?.close();
    await other?.close();
  });

  it("captures only the demo shop until a site is added, and stops when it is removed", async () => {
    const tab = await openPage(launched, siteUrl);
    const box = await revealBox(tab, "#box");
    const width = await tab.evaluate(() => document.documentElement.clientWidth);
    const points = async () => (await settledGrid(companion.url, siteUrl, width)).total;

    await hover(tab, box, 2000);
    expect(await points(), "before the site is added").toBe(0);
    expect(await overlayLegend(launched, siteUrl)).toContain("off on this site");

    // The demo shop is on from the start, and counted once.
    const demo = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?tab=demo`);
    await hover(demo, await revealBox(demo, "#hero-cta"), 2500);

    const options = await openOptions(launched);
    // Typed as a person types a test server's address: host and port, no scheme (taken as http on this machine).
    await options.evaluate((typed) => {
      (document.getElementById("newSite") as HTMLInputElement).value = typed;
    }, new URL(siteUrl).host);
    await clickIn(options, "addSite");
    const said = await waitIn(
      options,
      () => document.getElementById("sitesResult")?.textContent ?? "",
      (text) => text.length > 0,
    );
    expect(said).toContain("on for http://127.0.0.1");

    await tab.bringToFront();
    await untilTracked(companion.url, siteUrl, () => tab.reload({ waitUntil: "load" }));
    await hover(tab, box, 2000);
    const counted = await points();
    expect(counted, "after the site is added").toBeGreaterThanOrEqual(4);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-sites.png` });

    // The demo page runs the tracker once even though its host is now enabled too.
    const demoGrid = await fetchGrid(companion.url, "/demo/", width);
    expect(demoGrid.total, "demo points, at most 4 a second").toBeLessThanOrEqual(13);
    expect(demoGrid.total).toBeGreaterThanOrEqual(6);

    // Removing the site stops capture after a reload.
    await options.bringToFront();
    await options.evaluate(() => (document.querySelector("#siteList button") as HTMLButtonElement).click());
    expect(
      await waitIn(
        options,
        () => document.getElementById("sitesResult")?.textContent ?? "",
        (text) => text.includes("off on"),
      ),
    ).toContain("off on http://127.0.0.1");
    await options.close();
    await tab.bringToFront();
    await tab.reload({ waitUntil: "load" });
    // No tracker may start, so no view to wait for: half a second for one wrongly started to listen before the hover.
    await sleep(500);
    await hover(tab, box, 2000);
    expect(await points(), "after the site is removed").toBe(counted);

    // The popup offers to turn Heatlens on for the tab's site, and reloads the tab.
    const popup = await launched.browser.newPage();
    void popup
      .goto(`${launched.extensionOrigin}/extension/popup/popup.html?target=${encodeURIComponent(siteUrl)}`)
      .catch(() => undefined);
    const offer = await waitIn(
      popup,
      () => {
        const button = document.getElementById("enableSite");
        return {
          shown: button?.hidden === false,
          text: button?.textContent ?? "",
          legend: document.getElementById("legend")?.textContent,
        };
      },
      (state) => state?.shown === true,
    );
    expect(offer?.text, JSON.stringify(offer)).toBe("Turn on Heatlens for http://127.0.0.1");
    await tab.evaluate(() => Object.assign(window, { beforeEnable: true }));
    let reloaded = false;
    // Until the reloaded page's tracker listens (its view reached the companion).
    await untilTracked(companion.url, siteUrl, async () => {
      await clickIn(popup, "enableSite");
      for (let i = 0; i < 50 && !reloaded; i++) {
        await sleep(100);
        reloaded = await tab.evaluate(() => !("beforeEnable" in window)).catch(() => false);
      }
      expect(reloaded, "the popup reloads the tab").toBe(true);
    });
    await popup.close();
    await tab.bringToFront();
    await hover(tab, box, 2000);
    expect(await points(), "after the popup turned it on").toBeGreaterThanOrEqual(counted + 4);
  });

  // Access to all sites is granted through a browser prompt. Firefox can be told to grant it as if
  // Allow were clicked; headless Chromium cannot answer the prompt, so this runs in Firefox only.
  if (browserName === "firefox")
    it("captures every site once all sites are allowed, and only the listed ones again once they are not", async () => {
      // Another host than the listed one: localhost is allowed only with "All sites".
      const url = siteUrl.replace("127.0.0.1", "localhost").replace("/shop/", "/everywhere/");
      const tab = await openPage(launched, url);
      const box = await revealBox(tab, "#box");
      const width = await tab.evaluate(() => document.documentElement.clientWidth);
      const points = async () => (await settledGrid(companion.url, url, width)).total;
      await hover(tab, box, 1500);
      expect(await points(), "before all sites are allowed").toBe(0);

      const options = await openOptions(launched);
      const result = () => document.getElementById("sitesResult")?.textContent ?? "";
      await clickIn(options, "allSites");
      expect(await waitIn(options, result, (text) => text.includes("all sites"))).toContain(
        "Heatlens is on for all sites",
      );

      await tab.bringToFront();
      await untilTracked(companion.url, url, () => tab.reload({ waitUntil: "load" }));
      await hover(tab, box, 2000);
      const counted = await points();
      expect(counted, "with all sites allowed").toBeGreaterThanOrEqual(4);

      await options.bringToFront();
      await clickIn(options, "allSites");
      expect(await waitIn(options, result, (text) => text.includes("only"))).toContain(
        "Heatlens runs only on the sites listed",
      );
      await options.close();
      await tab.bringToFront();
      await tab.reload({ waitUntil: "load" });
      // No tracker may start, so no view to wait for: half a second for one wrongly started to listen before the hover.
      await sleep(500);
      await hover(tab, box, 2000);
      expect(await points(), "once all sites are no longer allowed").toBe(counted);
    });
});
