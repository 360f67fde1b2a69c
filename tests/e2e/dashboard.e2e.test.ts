/**
 * The team dashboard in headless Chromium, behind a view token: sign-in, the
 * connected tester by name and browser with the pages they are on, a live
 * thumbnail per page, the large view with its band tabs and its PNG, JSON and
 * CSV exports, and the view kept in the URL (reload, back/forward, a pasted
 * URL, a history range); each refusal said as what it is (a cluster node
 * away from NATS, a failing store, a revoked token), and the team shown again
 * once the companion answers.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Companion } from "../../companion/src/server";
import { FLAG_FIXED, type Grid, PROTOCOL_VERSION } from "../../protocol/wire";
import { freePort } from "../support/free-port";
import { connect, createToken, heatlens, startHeatlens } from "../support/heatlens";
import { startNats } from "../support/nats";
import { tempDataDir } from "../support/temp-dir";
import { EXECUTABLES } from "./browsers";
import { docsShot, startE2ECompanion } from "./harness";

let companion: Companion;
let browser: Browser;
let page: Page;
let viewToken: string;
let tester: WebSocket;
const SHOP = "https://shop.example";
const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** What the dashboard shows, as a user reads it. */
interface View {
  search: string;
  detailOpen: boolean;
  title: string | null;
  band: string | null;
  bands: string[];
  layer: string | null;
  layers: string[];
  window: string | null;
  range: string | null;
}

function viewOf(p: Page): Promise<View> {
  return p.evaluate(() => {
    const pressed = (selector: string) => document.querySelector<HTMLElement>(selector);
    return {
      search: location.search,
      detailOpen: !(document.getElementById("detail") as HTMLElement).hidden,
      title: document.getElementById("detail-title")?.textContent ?? null,
      band: pressed("#bands [aria-selected=true]")?.dataset.band ?? null,
      bands: [...document.querySelectorAll("#bands button")].map((b) => b.textContent ?? ""),
      layer: pressed("#layers [aria-pressed=true]")?.dataset.layer ?? null,
      layers: [...document.querySelectorAll("#layers button")].map((b) => b.textContent ?? ""),
      window: pressed("#windows [aria-pressed=true]")?.textContent ?? null,
      range: pressed("[data-range][aria-pressed=true]")?.dataset.range ?? null,
    };
  });
}

/** Waits until the smooth scroll to the opened page has ended (scrollY the same 100 ms apart), so that a click lands where it aims. */
async function scrolled(p: Page): Promise<void> {
  await p.waitForFunction(
    () => {
      const seen = window as unknown as { lastScrollY?: number };
      const still = seen.lastScrollY === scrollY;
      seen.lastScrollY = scrollY;
      return still;
    },
    { polling: 100, timeout: 15_000 },
  );
}

/** Waits until the dashboard has drawn the view its URL names. */
async function drawn(p: Page): Promise<View> {
  await p.waitForFunction(() => document.body.dataset.shown === location.search, { timeout: 15_000 });
  return viewOf(p);
}

beforeAll(async () => {
  // Windows other than the defaults: the dashboard offers the companion's own.
  companion = await startE2ECompanion(undefined, { windowsMs: [20_000, 600_000], defaultWindowMs: 600_000 });
  viewToken = companion.tokens.create("lead", ["view"]).token;
  const captureToken = companion.tokens.create("alice's browser", ["capture", "view"]).token;
  tester = new WebSocket(
    `${companion.url.replace("http", "ws")}/ws`,
    ["heatlens.v1", `heatlens.token.${captureToken}`],
    { headers: { "user-agent": CHROME } },
  );
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
  // The same page on a phone, over a fixed header, and a second page: two band tabs with points, two cards.
  // Inside the phone's 400 px (x 200–300): a point at x = 400 would be off its grid.
  const overFixed = pts.slice(0, 40).map((v, i) => (i % 4 === 3 ? FLAG_FIXED : i % 4 === 1 ? v - 100 : v));
  tester.send(
    JSON.stringify({
      type: "batch",
      seq: 1,
      sentAt: now,
      pages: [
        { origin: SHOP, path: "/checkout", w: 400, t0: now, pts: overFixed },
        { origin: SHOP, path: "/cart", w: 1280, t0: now, pts: pts.slice(0, 20) },
      ],
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
    const row = await page.$$eval("#testers tbody td", (cells) => cells.map((c) => c.textContent));
    expect(row.slice(0, 2)).toEqual(["Alice", "Chrome 131"]);
    // The pages Alice sent points for in the last 30 s, by band.
    expect(row[2]).toContain("shop.example/checkout · desktop");
    expect(row[2]).toContain("shop.example/cart · desktop");
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
    expect(await page.$eval("#rate", (el) => el.textContent)).toMatch(/1 connected · 3 live pages/);
    // One card per page; the card names the points of each band that has some.
    expect(await page.$$eval(".page .meta", (els) => els.map((el) => el.textContent))).toEqual([
      "desktop 60 · phone 10",
      "desktop 5",
    ]);
  });

  it("opens a page large with its band tabs and exports it as PNG, JSON and CSV, each naming the view", async () => {
    await page.click(".page[data-path='/checkout']");
    await page.waitForSelector("#detail:not([hidden]) #export-json[href^='blob:']");
    const view = await drawn(page);
    // The busiest band is chosen, and the URL names the page, band and window.
    expect(view).toMatchObject({
      detailOpen: true,
      title: `/checkout · ${SHOP}`,
      band: "desktop",
      bands: ["phone · 10", "tablet · 0", "desktop · 60", "wide · 0"],
      layer: "document",
      layers: ["Page · 60", "Fixed elements · 0"],
      window: "10 min",
    });
    expect(Object.fromEntries(new URLSearchParams(view.search))).toEqual({
      origin: SHOP,
      path: "/checkout",
      band: "desktop",
      window: "600000",
    });
    const name = /^heatlens-shop-example-checkout-desktop-600s-\d{8}T\d{6}Z$/;
    const json = await page.$eval("#export-json", (a) => fetch((a as HTMLAnchorElement).href).then((r) => r.text()));
    const grid = JSON.parse(json) as Grid & { export: Record<string, string> };
    expect(grid).toMatchObject({ origin: SHOP, path: "/checkout", windowMs: 600_000, total: 60 });
    expect(grid.export).toMatchObject({
      site: SHOP,
      page: "/checkout",
      band: "desktop",
      layer: "document",
      time: "last 10 min",
    });
    expect(grid.export.read).toBe(new Date(grid.end).toISOString());
    expect(await page.$eval("#export-json", (a) => (a as HTMLAnchorElement).download)).toMatch(/\.json$/);
    expect((await page.$eval("#export-json", (a) => (a as HTMLAnchorElement).download)).slice(0, -5)).toMatch(name);
    const csv = await page.$eval("#export-csv", (a) => fetch((a as HTMLAnchorElement).href).then((r) => r.text()));
    const lines = csv.trim().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^# Heatlens · site ${SHOP} · page /checkout · band desktop · layer document · last 10 min · from \\S+ to \\S+ · `,
      ),
    );
    expect(lines[1]).toBe("origin,path,band,window_ms,start,end,layer,col,row,count");
    expect(lines[2]).toMatch(new RegExp(`^${SHOP},/checkout,desktop,600000,`));
    expect(lines.slice(2).reduce((n, line) => n + Number(line.split(",")[9]), 0)).toBe(60);
    expect((await page.$eval("#export-csv", (a) => (a as HTMLAnchorElement).download)).slice(0, -4)).toMatch(name);
    const png = await page.evaluate(async () => {
      const clicked = new Promise<{ href: string; download: string }>((resolve) => {
        HTMLAnchorElement.prototype.click = function () {
          resolve({ href: this.href, download: this.download });
        };
      });
      (document.getElementById("export-png") as HTMLButtonElement).click();
      const { href, download } = await clicked;
      const blob = await (await fetch(href)).blob();
      // The text burnt in above the heat: a light band over the dark header strip.
      const image = await createImageBitmap(blob);
      const canvas = Object.assign(document.createElement("canvas"), { width: image.width, height: image.height });
      const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
      ctx.drawImage(image, 0, 0);
      const head = ctx.getImageData(0, 0, canvas.width, 50).data;
      let light = 0;
      for (let i = 0; i < head.length; i += 4) if ((head[i] as number) > 200) light++;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      return { magic: Array.from(bytes.slice(1, 4)), download, light };
    });
    expect(String.fromCharCode(...png.magic)).toBe("PNG");
    expect(png.download.slice(0, -4)).toMatch(name);
    expect(png.light).toBeGreaterThan(100);
    // The picture once the smooth scroll to the opened page has ended.
    await scrolled(page);
    await page.screenshot({ path: docsShot("dashboard.png") });
  });

  it("keeps its view in the URL: reload, back and forward, and a pasted URL show the same view", async () => {
    await page.goto(`${companion.url}/`);
    await drawn(page);
    await page.click(".page[data-path='/checkout']");
    const opened = await drawn(page);
    expect(opened).toMatchObject({ detailOpen: true, band: "desktop", window: "10 min" });
    await scrolled(page);
    await page.click("#bands [data-band=phone]");
    const phone = await drawn(page);
    expect(phone).toMatchObject({ band: "phone", window: "10 min" });
    // The phone's points were over a fixed header: they are in the fixed layer.
    expect(phone.layers).toEqual(["Page · 0", "Fixed elements · 10"]);
    await page.click("#layers [data-layer=fixed]");
    const fixed = await drawn(page);
    expect(fixed).toMatchObject({ band: "phone", layer: "fixed" });
    // Choosing what is shown already adds no step to the history.
    await page.click("#windows [data-window-ms='600000']");
    expect(await drawn(page)).toEqual(fixed);
    await page.click("#windows [data-window-ms='20000']");
    const chosen = await drawn(page);
    expect(chosen).toMatchObject({
      detailOpen: true,
      title: `/checkout · ${SHOP}`,
      band: "phone",
      layer: "fixed",
      window: "20 s",
    });
    expect(new URLSearchParams(chosen.search).get("window")).toBe("20000");
    expect(new URLSearchParams(chosen.search).get("layer")).toBe("fixed");

    await page.reload();
    expect(await drawn(page)).toEqual(chosen);
    await page.goBack();
    expect(await drawn(page)).toEqual(fixed);
    await page.goBack();
    expect(await drawn(page)).toEqual(phone);
    await page.goBack();
    expect(await drawn(page)).toEqual(opened);
    await page.goBack();
    expect(await drawn(page)).toMatchObject({ detailOpen: false, window: "10 min" });
    await page.goForward();
    expect(await drawn(page)).toEqual(opened);

    // Pasted into another tab (signed in by the same cookie).
    const pasted = await browser.newPage();
    await pasted.setViewport({ width: 1280, height: 900 });
    await pasted.goto(`${companion.url}/${chosen.search}`);
    expect(await drawn(pasted)).toEqual(chosen);
    // A URL with a part it cannot use: that part is dropped from the URL, and the page says why.
    await pasted.goto(`${companion.url}/?origin=${encodeURIComponent(SHOP)}&path=%2Fcheckout&band=watch&window=5`);
    expect(await drawn(pasted)).toMatchObject({ detailOpen: true, band: "desktop", window: "10 min" });
    expect(new URLSearchParams(await pasted.evaluate(() => location.search)).has("band")).toBe(false);
    expect(await pasted.$eval("#problems", (el) => ((el as HTMLElement).hidden ? "" : el.textContent))).toBe(
      "This link's view was partly unusable: band must be one of phone, tablet, desktop, wide; window must be one of 20000, 600000 (ms).",
    );
    await pasted.close();
  });

  it("shows a history range (last hour, a chosen range) from the companion's history, kept in the URL too", async () => {
    await page.goto(`${companion.url}/?origin=${encodeURIComponent(SHOP)}&path=%2Fcheckout&band=desktop`);
    await drawn(page);
    await page.click("[data-range=hour]");
    // History is written every two seconds: poll until the hour holds the batches.
    await page.waitForFunction(
      () =>
        document.body.dataset.shown === location.search &&
        document.querySelector("#bands [data-band=desktop]")?.textContent === "desktop · 60",
      { timeout: 15_000 },
    );
    const hour = await viewOf(page);
    expect(hour).toMatchObject({ range: "hour", window: null, band: "desktop" });
    expect(new URLSearchParams(hour.search).get("range")).toBe("hour");
    expect(await page.$eval("#bands [data-band=phone]", (el) => el.textContent)).toBe("phone · 10");
    await page.reload();
    expect(await drawn(page)).toMatchObject({ range: "hour", band: "desktop" });

    const from = new Date(Date.now() - 2 * 3_600_000);
    from.setSeconds(0, 0);
    const to = new Date(from.getTime() + 3 * 3_600_000);
    await page.goto(
      `${companion.url}/?origin=${encodeURIComponent(SHOP)}&path=%2Fcheckout&band=desktop&from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    await page.waitForFunction(
      () =>
        document.body.dataset.shown === location.search &&
        document.querySelector("#bands [data-band=desktop]")?.textContent === "desktop · 60",
      { timeout: 15_000 },
    );
    expect(await viewOf(page)).toMatchObject({ range: "range", window: null });
    // The chosen range's inputs say it, in the viewer's time.
    const inputs = await page.$$eval("#custom-range input", (els) => els.map((el) => (el as HTMLInputElement).value));
    const local = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    expect(inputs).toEqual([local(from), local(to)]);
    expect(await page.$eval("#detail-meta", (el) => el.textContent)).toContain(
      `${from.toISOString().slice(0, 16).replace("T", " ")} – ${to.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    );

    // A range typed into the form: refused while its end is not after its start, then shown and kept in the URL.
    const fill = async (start: Date, end: Date) => {
      await page.$eval(
        "#custom-range [name=from]",
        (el, value) => {
          (el as HTMLInputElement).value = value;
        },
        local(start),
      );
      await page.$eval(
        "#custom-range [name=to]",
        (el, value) => {
          (el as HTMLInputElement).value = value;
        },
        local(end),
      );
      await page.click("#custom-range button[type=submit]");
    };
    const before = await page.evaluate(() => location.search);
    await fill(to, from);
    expect(await page.$eval("#problems", (el) => el.textContent)).toBe("A range needs a start before its end.");
    expect(await page.evaluate(() => location.search)).toBe(before);
    const earlier = new Date(from.getTime() - 3_600_000);
    await fill(earlier, to);
    const typed = new URLSearchParams((await drawn(page)).search);
    expect([typed.get("from"), typed.get("to")]).toEqual([earlier.toISOString(), to.toISOString()]);
    expect(await page.$eval("#problems", (el) => (el as HTMLElement).hidden)).toBe(true);
  });

  it("opens a single-page app's hash route from its card with its points, and a reload shows them again", async () => {
    const now = Date.now();
    const pts = Array.from({ length: 7 }, (_, i) => [0, 100 + i * 30, 100, 0]).flat();
    // As the extension sends a hash route's path (protocol/page-path.ts): keyed /spa/#/cart.
    const route = { origin: SHOP, path: "/spa/%23/cart", w: 1280, t0: now, pts };
    tester.send(JSON.stringify({ type: "batch", seq: 2, sentAt: now, pages: [route] }));
    await page.goto(`${companion.url}/`);
    await page.waitForSelector(".page[data-path='/spa/#/cart']", { timeout: 15_000 });
    await page.click(".page[data-path='/spa/#/cart']");
    const opened = await drawn(page);
    expect(opened).toMatchObject({ detailOpen: true, title: `/spa/#/cart · ${SHOP}`, band: "desktop" });
    expect(opened.bands).toContain("desktop · 7");
    expect(new URLSearchParams(opened.search).get("path")).toBe("/spa/#/cart");
    await page.reload();
    expect((await drawn(page)).bands).toContain("desktop · 7");
  });

  it("says the cluster cannot be reached, with the node's reason, while its NATS is away, and shows the team once it is back", async () => {
    const nats = await startNats();
    // A lone node of a cluster, the real binary on a port of its own; no tokens: open.
    const node = await startHeatlens(
      ["--nats", nats.url, "--nats-node", "dashboard", "--nats-lease", "1s", "--log-level", "warn"],
      tempDataDir("e2e-cluster"),
    );
    const tab = await browser.newPage();
    try {
      await tab.goto(`${node.url}/`);
      await tab.waitForSelector("body[data-ready]");
      expect(await tab.$eval("#rate", (el) => el.textContent)).toMatch(/0 connected · 0 live pages$/);
      await nats.stop();
      // What the header says, and how the pages show (dimmed while they are not live).
      const problem = () =>
        tab.evaluate(() => [
          document.body.dataset.problem ?? null,
          document.getElementById("rate")?.textContent,
          getComputedStyle(document.querySelector("section.pages") as Element).opacity,
        ]);
      await tab.waitForFunction(() => document.body.dataset.problem === "E_CLUSTER", {
        timeout: 10_000,
      });
      expect(await problem()).toEqual([
        "E_CLUSTER",
        `The cluster cannot be reached: NATS at ${nats.url} is unreachable, so the live pages of the other nodes' partitions cannot be gathered`,
        "0.45",
      ]);
      await nats.restart();
      // The dashboard polls: the team's line comes back by itself.
      await tab.waitForFunction(() => !document.body.dataset.problem, { timeout: 15_000 });
      expect(await problem()).toEqual([null, "0 points/s · 0 connected · 0 live pages", "1"]);
    } finally {
      await tab.close();
      await node.stop();
      await nats.stop();
    }
  });

  it("shows that the companion cannot store points above the page, that it cannot be reached while it is down, and clears both once it stores again", async () => {
    const dataDir = tempDataDir("e2e-full");
    const port = String(await freePort());
    // The real binary on a store capped at 64 KiB: the tester's batches fill it, and SQLite refuses to grow the file.
    let run = await startHeatlens(["--port", port, "--max-store-bytes", "64KiB", "--log-level", "warn"], dataDir);
    const tab = await browser.newPage();
    const feeder = await connect(run.url);
    let seq = 0;
    const pts = Array.from({ length: 200 }, (_, i) => [0, i, i, 0]).flat();
    const stream = setInterval(() => {
      const now = Date.now();
      feeder.send({
        type: "batch",
        seq: seq++,
        sentAt: now,
        pages: [{ origin: SHOP, path: "/cart", w: 1280, t0: now, pts }],
      });
    }, 50);
    try {
      await tab.goto(`${run.url}/`);
      await tab.waitForSelector("body[data-ready]");
      await tab.waitForSelector("#health:not([hidden])", { timeout: 10_000 });
      expect(await tab.$eval("#health", (el) => el.textContent)).toMatch(
        /^The companion cannot store points: storage failing: SQLITE_FULL: /,
      );
      // The team is still shown: only storing fails.
      expect(await tab.evaluate(() => document.body.dataset.problem ?? null)).toBeNull();
      clearInterval(stream);
      // Stopped, the companion answers nothing: only then does the dashboard say it cannot be reached.
      await run.stop();
      await tab.waitForFunction(() => document.body.dataset.problem === "unreachable", { timeout: 10_000 });
      expect(await tab.$eval("#rate", (el) => el.textContent)).toMatch(/^Cannot reach the companion: /);
      // Back on the same port with room to grow: the dashboard goes on by itself, the banner gone.
      run = await startHeatlens(["--port", port, "--log-level", "warn"], dataDir);
      await tab.waitForFunction(() => !document.body.dataset.problem, { timeout: 15_000 });
      await tab.waitForSelector("#health[hidden]", { timeout: 10_000 });
    } finally {
      clearInterval(stream);
      feeder.ws.terminate();
      await tab.close();
      await run.stop();
    }
  });

  it("sends a dashboard whose token is revoked with `heatlens token revoke` to the sign-in page, saying why", async () => {
    const dataDir = tempDataDir("e2e-revoke");
    const { token, id } = await createToken(dataDir, "view");
    const run = await startHeatlens(["--log-level", "warn"], dataDir);
    const context = await browser.createBrowserContext();
    const tab = await context.newPage();
    try {
      await tab.goto(`${run.url}/`);
      await tab.type("input[name=token]", token);
      await Promise.all([tab.waitForNavigation(), tab.click("button[type=submit]")]);
      await tab.waitForSelector("body[data-ready]");
      const revoked = await heatlens(["token", "revoke", id, "--data-dir", dataDir]);
      expect(revoked.code, revoked.stderr).toBe(0);
      // The next poll is refused: the dashboard goes to the sign-in page, which says why.
      await tab.waitForSelector(".refused", { timeout: 10_000 });
      expect(await tab.$eval(".refused", (el) => el.textContent)).toBe(
        "Your token was refused: unknown or revoked token.",
      );
    } finally {
      await context.close();
      await run.stop();
    }
  });

  it("refuses the API and the metrics without a token", async () => {
    const anonymous = await browser.createBrowserContext();
    const other = await anonymous.newPage();
    for (const path of ["/api/team", "/api/testers", "/metrics"]) {
      const res = await other.goto(`${companion.url}${path}`);
      expect(res?.status()).toBe(401);
    }
    await anonymous.close();
  });
});
