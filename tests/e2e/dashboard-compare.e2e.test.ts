/**
 * The dashboard's tester choice and Compare section in Chromium and Firefox,
 * against the real `heatlens` binary behind tokens: two testers' points sent
 * through the websocket (Alice's share on one element far above Bob's, over
 * two builds), a picture of the page posted as its snapshot; then, signed in
 * with a view token, Alice against everyone but her flags that element alone,
 * under the sentence naming the test; Alice alone shows her points only; a
 * reload keeps both.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANCHOR_UNITS } from "../../protocol/anchor";
import type { PageTags } from "../../protocol/compare";
import { encodeSnapshotMeta, SNAPSHOT_HEADER, type SnapshotMeta } from "../../protocol/snapshot";
import type { PagePoints } from "../../protocol/wire";
import { type Client, connect, createToken, eventually, type Running, reply, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";
import { type BrowserName, EXECUTABLES } from "./browsers";
import { docsShot } from "./harness";

const SHOP = "https://shop.example";
const PATH = "/checkout";
const WIDTH = 1280;
const HEIGHT = 760;
/** The page: twenty items in a grid and a Buy button below them, each at a box of its own. */
const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  s: `#item-${i}`,
  left: 60 + (i % 5) * 240,
  top: 60 + Math.floor(i / 5) * 120,
  width: 200,
  height: 80,
}));
const BUY = { s: "#buy", left: 500, top: 560, width: 280, height: 80 };
/** Points per element: Alice rests on Buy; Bob spreads evenly. */
const ALICE = { item: 20, buy: 300 };
const BOB = { item: 40, buy: 40 };
const ALICE_TOTAL = ITEMS.length * ALICE.item + ALICE.buy;
const BOB_TOTAL = ITEMS.length * BOB.item + BOB.buy;

let companion: Running;
let viewToken: string;
let captureToken: string;
const testers: Client[] = [];

/** A page group of `n` points at the middle of each box, anchored to it, under `build`. */
function group(boxes: { box: typeof BUY; n: number }[], build: string): PagePoints {
  const pts: number[] = [];
  const at: number[] = [];
  boxes.forEach(({ box, n }, a) => {
    for (let i = 0; i < n; i++) {
      pts.push(i % 50, box.left + box.width / 2 + (i % 3), box.top + box.height / 2 + (i % 2), 0);
      at.push(a + 1, ANCHOR_UNITS / 2, ANCHOR_UNITS / 2);
    }
  });
  return { origin: SHOP, path: PATH, w: WIDTH, t0: Date.now(), pts, anchors: boxes.map((b) => b.box.s), at, build };
}

const api = <T>(path: string): Promise<T> =>
  fetch(`${companion.url}${path}`, { headers: { authorization: `Bearer ${viewToken}` } }).then((res) => {
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json() as Promise<T>;
  });

/** The page's picture, as the overlay's "Snap & attach" would post it. */
async function postSnapshot(browser: Browser): Promise<void> {
  const page = await browser.newPage();
  await page.setViewport({ width: WIDTH, height: HEIGHT });
  const boxes = [...ITEMS, BUY]
    .map(
      (b) =>
        `<div style="position:absolute;left:${b.left}px;top:${b.top}px;width:${b.width}px;height:${b.height}px;` +
        `border:2px solid #8894a8;border-radius:8px;background:${b === BUY ? "#2f6fde" : "#fff"};` +
        `color:${b === BUY ? "#fff" : "#334"};font:16px sans-serif;display:grid;place-items:center">` +
        `${b === BUY ? "Buy now" : `Item ${b.s.slice(6)}`}</div>`,
    )
    .join("");
  await page.setContent(`<body style="margin:0;background:#eef1f5;height:${HEIGHT}px">${boxes}</body>`);
  const png = await page.screenshot({ type: "png" });
  await page.close();
  const meta: SnapshotMeta = {
    origin: SHOP,
    path: PATH,
    band: "desktop",
    layoutWidth: WIDTH,
    viewportWidth: WIDTH,
    viewportHeight: HEIGHT,
    scrollX: 0,
    scrollY: 0,
    dpr: 1,
    documentHeight: HEIGHT,
    takenAt: Date.now(),
    time: { kind: "range", from: Date.now() - 3_600_000, to: Date.now() },
    mode: "tiles",
    points: "both",
    legend: "desktop · last hour",
    tester: "Alice",
  };
  const res = await fetch(`${companion.url}/api/snapshots`, {
    method: "POST",
    body: new Uint8Array(png),
    headers: {
      "content-type": "image/png",
      authorization: `Bearer ${captureToken}`,
      [SNAPSHOT_HEADER]: encodeSnapshotMeta(meta),
    },
  });
  if (!res.ok) throw new Error(`POST /api/snapshots: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  const dir = tempDataDir("e2e-compare");
  viewToken = (await createToken(dir, "view")).token;
  captureToken = (await createToken(dir, "capture,view")).token;
  companion = await startHeatlens([], dir);
  // Alice on build 2.0; Bob on 1.0, then 2.0.
  const alice = await connect(companion.url, { token: captureToken, name: "Alice" });
  const bob = await connect(companion.url, { token: captureToken, name: "Bob" });
  testers.push(alice, bob);
  const everything = (counts: { item: number; buy: number }) => [
    ...ITEMS.map((box) => ({ box, n: counts.item })),
    { box: BUY, n: counts.buy },
  ];
  const half = (counts: { item: number; buy: number }) => ({ item: counts.item / 2, buy: counts.buy / 2 });
  const sent = [
    await reply(alice, { type: "batch", seq: 0, sentAt: Date.now(), pages: [group(everything(ALICE), "2.0")] }),
    await reply(bob, {
      type: "batch",
      seq: 0,
      sentAt: Date.now(),
      pages: [group(everything(half(BOB)), "1.0"), group(everything(half(BOB)), "2.0")],
    }),
  ];
  expect(sent.map((m) => m.type)).toEqual(["ack", "ack"]);
  // History is written in the background: wait until both testers' points are kept.
  await eventually(
    async () => {
      const tags = await api<PageTags>(`/api/tags?origin=${encodeURIComponent(SHOP)}&path=${PATH}&band=desktop`);
      const points = Object.fromEntries(tags.testers.map((t) => [t.label, t.points]));
      return points.Alice === ALICE_TOTAL && points.Bob === BOB_TOTAL ? tags : undefined;
    },
    15_000,
    "both testers' points in the history",
  );
});

afterAll(async () => {
  for (const t of testers) t.ws.terminate();
  await companion?.stop();
});

/** Waits until the dashboard has drawn the view its URL names. */
async function drawn(page: Page): Promise<URLSearchParams> {
  await page.waitForFunction(() => document.body.dataset.shown === location.search, { timeout: 15_000 });
  return new URLSearchParams(await page.evaluate(() => location.search));
}

/** The element table as shown: selector and whether it is flagged, in order. */
function table(page: Page): Promise<{ s: string; flagged: string; cells: string[] }[]> {
  return page.$$eval("#compare-elements tbody tr", (rows) =>
    rows.map((row) => ({
      s: (row as HTMLElement).dataset.selector ?? "",
      flagged: (row as HTMLElement).dataset.flagged ?? "",
      cells: [...row.querySelectorAll("td")].map((td) => td.textContent ?? ""),
    })),
  );
}

describe.each<BrowserName>(["chromium", "firefox"])("the dashboard's tester and Compare in %s", (name) => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await puppeteer.launch(
      name === "chromium"
        ? {
            executablePath: EXECUTABLES.chromium,
            headless: true,
            args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
          }
        : { browser: "firefox", executablePath: EXECUTABLES.firefox, headless: true },
    );
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    await page.goto(`${companion.url}/`);
    await page.type("input[name=token]", viewToken);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    if (name === "chromium") await postSnapshot(browser);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("compares Alice with everyone but her: the element she rests on is flagged, no other, under the test's name", async () => {
    await page.goto(`${companion.url}/?origin=${encodeURIComponent(SHOP)}&path=${PATH}&band=desktop&range=hour`);
    await drawn(page);
    // The sets offered: everyone, each build, each tester and everyone but each.
    const offered = await page.$$eval("#compare-form [name=a] option", (os) =>
      os.map((o) => [(o as HTMLOptionElement).value, o.textContent]),
    );
    expect(offered).toEqual(
      expect.arrayContaining([
        ["all", "everyone"],
        ["build:1.0", "build 1.0"],
        ["build:2.0", "build 2.0"],
        ["tester:Alice", "Alice"],
        ["rest:Alice", "everyone but Alice"],
        ["tester:Bob", "Bob"],
        ["rest:Bob", "everyone but Bob"],
      ]),
    );
    await page.select("#compare-form [name=a]", "rest:Alice");
    await page.select("#compare-form [name=b]", "tester:Alice");
    await page.click("#compare-start");
    await page.waitForFunction(
      () =>
        document.body.dataset.shown === location.search &&
        location.search.includes("a=rest") &&
        document.querySelectorAll("#compare-elements tbody tr").length > 0,
      { timeout: 15_000 },
    );
    const search = await drawn(page);
    expect([search.get("a"), search.get("b")]).toEqual(["rest:Alice", "tester:Alice"]);
    const rows = await table(page);
    expect(rows.filter((r) => r.flagged === "true").map((r) => r.s)).toEqual(["#buy"]);
    expect(rows.length).toBe(ITEMS.length + 1);
    // Flagged first, with each side's share of its own total.
    expect(rows[0]?.cells.slice(0, 3)).toEqual([
      "#buy",
      `${((BOB.buy / BOB_TOTAL) * 100).toFixed(1)} % (${BOB.buy})`,
      `${((ALICE.buy / ALICE_TOTAL) * 100).toFixed(1)} % (${ALICE.buy})`,
    ]);
    expect(rows[0]?.cells[6]).toBe("changed");
    const statement = await page.$eval("#compare-test", (el) => el.textContent ?? "");
    expect(statement).toMatch(/^Two-proportion z-test per element, .*Holm-corrected, α 0\.05, /);
    expect(statement).toMatch(/dispersion factor of \d+\.\d\d/);
    expect(statement).toMatch(/: 1 of 21 elements changed beyond chance\.$/);
    expect(await page.$eval("#compare-sides", (el) => el.textContent)).toBe(
      `A: everyone but Alice, last hour, ${BOB_TOTAL} points · B: Alice, last hour, ${ALICE_TOTAL} points · ` +
        "each side's tiles and elements as shares of its own total",
    );
    // The difference map holds both colours: A's blue where Bob's share is larger, B's orange on Buy.
    const colours = await page.$eval("#compare-canvas", (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = (c.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let blue = 0;
      let orange = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i] as number, data[i + 1] as number, data[i + 2] as number];
        if (b > r + 60 && b > g) blue++;
        if (r > b + 100 && g > b + 40) orange++;
      }
      return { blue, orange };
    });
    expect(colours.blue).toBeGreaterThan(0);
    expect(colours.orange).toBeGreaterThan(0);

    if (name === "chromium") {
      // The section down to the table's sixth row: the flagged element and a few that did not change.
      const clip = await page.$eval("#compare", (section) => {
        const top = section.getBoundingClientRect().top + scrollY;
        const last = section.querySelector("#compare-elements tbody tr:nth-child(6)") as HTMLElement;
        const { left, width } = section.getBoundingClientRect();
        return {
          x: left - 8,
          y: top - 8,
          width: width + 16,
          height: last.getBoundingClientRect().bottom + scrollY - top + 16,
        };
      });
      await page.screenshot({ path: docsShot("dashboard-compare.png"), clip, captureBeyondViewport: true });
    }

    await page.reload();
    expect((await drawn(page)).toString()).toBe(search.toString());
    await page.waitForFunction(() => document.querySelectorAll("#compare-elements tbody tr").length > 0);
    expect((await table(page)).filter((r) => r.flagged === "true").map((r) => r.s)).toEqual(["#buy"]);
    expect(await page.$$eval("#compare-form select", (ss) => ss.map((s) => (s as HTMLSelectElement).value))).toEqual([
      "rest:Alice",
      "",
      "tester:Alice",
      "",
    ]);
  });

  it("compares a side over its own span: the hour before holds none of the points", async () => {
    await page.select("#compare-form [name=aTime]", "before:3600000");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("aTime") === "before:3600000");
    const search = await drawn(page);
    expect(search.get("bTime")).toBeNull();
    await page.waitForFunction(
      () =>
        document
          .getElementById("compare-sides")
          ?.textContent?.startsWith("A: everyone but Alice, the hour before, 0 points"),
      { timeout: 15_000 },
    );
    await page.goBack();
    expect((await drawn(page)).get("aTime")).toBeNull();
  });

  it("shows one tester's heat alone: the points shown are hers, and a reload keeps her", async () => {
    const everyone = await page.$eval("#layers [data-layer=document]", (el) => el.textContent);
    expect(everyone).toBe(`Page · ${new Intl.NumberFormat("en").format(ALICE_TOTAL + BOB_TOTAL)}`);
    await page.select("#tester", "Alice");
    await page.waitForFunction(() => new URLSearchParams(location.search).get("tester") === "Alice");
    const search = await drawn(page);
    expect(search.get("a")).toBe("rest:Alice");
    const alone = async () => ({
      layer: await page.$eval("#layers [data-layer=document]", (el) => el.textContent),
      band: await page.$eval("#bands [data-band=desktop]", (el) => el.textContent),
      meta: await page.$eval("#detail-meta", (el) => el.textContent ?? ""),
      chosen: await page.$eval("#tester", (el) => (el as HTMLSelectElement).value),
    });
    const shown = await alone();
    expect(shown).toMatchObject({
      layer: `Page · ${ALICE_TOTAL}`,
      band: `desktop · ${ALICE_TOTAL}`,
      chosen: "Alice",
    });
    expect(shown.meta).toContain(`· desktop · Alice alone · last hour · ${ALICE_TOTAL} points ·`);
    // The CSV export is hers alone too, and says so.
    const csv = await page.$eval("#export-csv", (a) => fetch((a as HTMLAnchorElement).href).then((r) => r.text()));
    const lines = csv.trim().split("\n");
    expect(lines[0]).toContain(" · tester Alice · last hour · ");
    expect(lines.slice(2).reduce((n, line) => n + Number(line.split(",")[9]), 0)).toBe(ALICE_TOTAL);
    await page.reload();
    expect((await drawn(page)).toString()).toBe(search.toString());
    expect(await alone()).toEqual({
      ...shown,
      meta: expect.stringContaining(`Alice alone · last hour · ${ALICE_TOTAL} points`),
    });
  });
});
