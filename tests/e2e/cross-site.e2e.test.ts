/**
 * A web page can neither feed nor read the companion: its own websocket to
 * the companion is refused at the upgrade, and the HTTP API gives it nothing
 * to read, in real Chromium and Firefox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  E2E_DIST,
  E2E_PORT,
  type OtherSite,
  openPage,
  startE2ECompanion,
  startSite,
  waitForConnections,
} from "./harness";

describe.each<BrowserName>(["chromium", "firefox"])("a web page in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  let site: OtherSite;
  let siteUrl: string;

  beforeAll(async () => {
    companion = await startE2ECompanion();
    launched = await borrowBrowser(name, E2E_DIST);
    // The extension's own link, the one connection a page's sockets must not add to.
    await waitForConnections(companion, 1);
    // Another site on this machine, as any page on the web would be.
    site = await startSite((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<h1>elsewhere</h1>"),
    );
    siteUrl = `http://localhost:${site.port}/`;
  });

  afterAll(async () => {
    await launched?.close();
    await companion?.close();
    await site?.close();
  });

  it("cannot open a websocket to the companion, from another site or from the companion's own pages", async () => {
    for (const url of [siteUrl, `${companion.url}/demo/`]) {
      const page = await openPage(launched, url);
      const outcome = await page.evaluate(
        (ws) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(ws, ["heatlens.v1"]);
            socket.onopen = () => resolve("open");
            socket.onclose = (event) => resolve(`closed ${event.code}`);
          }),
        `ws://127.0.0.1:${E2E_PORT}/ws`,
      );
      expect(outcome, url).toBe("closed 1006");
      await page.close();
    }
    expect(companion.gateway.connectionCount).toBe(1);
  });

  it("cannot read the companion's API from another site", async () => {
    const page = await openPage(launched, siteUrl);
    const outcome = await page.evaluate(
      (api) =>
        fetch(api).then(
          (res) => res.text(),
          (error: Error) => `refused: ${error.name}`,
        ),
      `http://127.0.0.1:${E2E_PORT}/api/pages`,
    );
    expect(outcome).toBe("refused: TypeError");
    await page.close();
  });
});
