/**
 * The team dashboard in headless Chromium, behind a view token: sign-in, the
 * connected tester by name, a live thumbnail per page, the large view and its
 * PNG, JSON and CSV exports.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Companion } from "../../companion/src/server";
import { type Grid, PROTOCOL_VERSION } from "../../protocol/wire";
import { EXECUTABLES } from "./browsers";
import { sleep, startE2ECompanion } from "./harness";

let companion: Companion;
let browser: Browser;
let page: Page;
let viewToken: string;
let tester: WebSocket;
const SHOP = "https://shop.example";

beforeAll(async () => {
  // Windows other than the defaults: the dashboard offers the companion's own.
  companion = await startE2ECompanion(undefined, { windowsMs: [20_000, 600_000], defaultWindowMs: 600_000 });
  viewToken = companion.tokens.create("lead", ["view"]).token;
  const captureToken = companion.tokens.create("alice's browser", ["capture", "view"]).token;
  tester = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, [
    "heatlens.v1",
    `heatlens.token.${captureToken}`,
  ]);
  await new Promise((resolve) => tester.once("open", resolve));
  tester.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "alice-profile", name: "Alice" }));
  const now = Date.now();
  const pts: number[] = [];
  for (let i = 0; i < 60; i++) pts.push(0, 300 + (i % 6) * 20, 200 + Math.floor(i / 6) * 20, 0);
  tester.send(
    JSON.stringify({
      type: "batch",
      seq: 0,
      sentAt: now,
      pages: [{ origin: SHOP, path: "/checkout", w: 1280, t0: now, pts }],
    }),
  );
  browser = await puppeteer.launch({
    executablePath: EXECUTABLES.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
});

afterAll(async () => {
  tester?.terminate();
  await browser?.close();
  await companion?.close();
});

describe("dashboard", () => {
  it("asks for a token, then shows who is connected and each live page", async () => {
    const first = await page.goto(`${companion.url}/`);
    expect(first?.status()).toBe(401);
    // A wrong token is refused, and says so.
    await page.type("input[name=token]", "hl_00000000_notatokennotatokennotatokennotatokennotatok");
    const [refused] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(refused?.status()).toBe(401);
    expect(await page.$eval(".refused", (el) => el.textContent)).toContain("refused");
    const requests: string[] = [];
    const note = (request: { method(): string; url(): string }) =>
      requests.push(`${request.method()} ${request.url()}`);
    page.on("request", note);
    await page.type("input[name=token]", viewToken);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    page.off("request", note);
    // The token was posted, never put in a URL (history, logs).
    expect(requests).toContain(`POST ${companion.url}/login`);
    expect(requests.filter((r) => r.includes(viewToken))).toEqual([]);
    await page.waitForSelector("body[data-ready] .page canvas");
    expect(await page.$eval("#testers tbody", (el) => el.textContent)).toContain("Alice");
    expect(await page.$eval(".page .name", (el) => el.textContent)).toBe("/checkout");
    // Pages are grouped by site, under the site's name.
    expect(await page.$eval(".site h3", (el) => el.textContent)).toBe(SHOP);
    // The window buttons are the companion's --windows, its default pressed.
    expect(await page.$$eval("#windows button", (bs) => bs.map((b) => [b.textContent, b.ariaPressed]))).toEqual([
      ["20 s", "false"],
      ["10 min", "true"],
    ]);
    // The thumbnail holds heat: some pixels are not the empty background.
    const hot = await page.$eval(".page canvas", (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] !== 0x11 || data[i + 1] !== 0x18) n++;
      return n;
    });
    expect(hot).toBeGreaterThan(0);
    expect(await page.$eval("#rate", (el) => el.textContent)).toMatch(/1 connected · 1 live pages/);
  });

  it("opens a page large and exports it as PNG, JSON and CSV", async () => {
    await page.click(".page");
    await page.waitForSelector("#detail:not([hidden]) #export-json[href^='blob:']");
    const json = await page.$eval("#export-json", (a) => fetch((a as HTMLAnchorElement).href).then((r) => r.text()));
    const grid = JSON.parse(json) as Grid;
    expect(grid).toMatchObject({ origin: SHOP, path: "/checkout", windowMs: 600_000, total: 60 });
    const csv = await page.$eval("#export-csv", (a) => fetch((a as HTMLAnchorElement).href).then((r) => r.text()));
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("origin,path,band,window_ms,start,end,layer,col,row,count");
    expect(lines[1]).toMatch(new RegExp(`^${SHOP},/checkout,desktop,600000,`));
    expect(lines.slice(1).reduce((n, line) => n + Number(line.split(",")[9]), 0)).toBe(60);
    expect(await page.$eval("#export-csv", (a) => (a as HTMLAnchorElement).download)).toBe(
      "heatlens-shop-example-checkout-desktop-600s.csv",
    );
    const png = await page.evaluate(async () => {
      const clicked = new Promise<string>((resolve) => {
        HTMLAnchorElement.prototype.click = function () {
          resolve(this.href);
        };
      });
      (document.getElementById("export-png") as HTMLButtonElement).click();
      const bytes = new Uint8Array(await (await fetch(await clicked)).arrayBuffer());
      return Array.from(bytes.slice(1, 4));
    });
    expect(String.fromCharCode(...png)).toBe("PNG");
    await sleep(300);
    await page.screenshot({ path: "docs/dashboard.png" });
  });

  it("refuses the API and the metrics without a token", async () => {
    const anonymous = await browser.createBrowserContext();
    const other = await anonymous.newPage();
    for (const path of ["/api/team", "/metrics"]) {
      const res = await other.goto(`${companion.url}${path}`);
      expect(res?.status()).toBe(401);
    }
    await anonymous.close();
  });
});
