/**
 * Pages keyed by site and path, and subscriptions: two sites' pages never
 * share heat; every subscribe is answered even when it resolves to a view the
 * connection already has, and withdrawing one request keeps the others'
 * view; points stored before sites were keyed stay reachable; the companion's
 * windows and bands reach clients that hold no websocket.
 */
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { makeKey } from "../../protocol/page-key";
import type { Grid, Welcome } from "../../protocol/wire";
import { type Client, connect as connectTo, type Running, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";

const SHOP = "http://127.0.0.1:8787";
const BLOG = "http://localhost:8787";

let companion: Companion | null = null;
let running: Running | null = null;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await companion?.close();
  companion = null;
  await running?.stop();
  running = null;
});

/** A client of a companion, closed after the test. */
async function connect(url: string): Promise<Client> {
  const client = await connectTo(url);
  sockets.push(client.ws);
  return client;
}

/** Points captured a second ago: their pane is closed, so grids show them at once. */
function batch(seq: number, origin: string, path: string, points: [number, number][], w = 1280) {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: [{ origin, path, w, t0: now - 1000, pts: points.flatMap(([x, y]) => [0, x, y, 0]) }],
  };
}

/** Grids until one whose total passes `predicate`, or throws at the deadline. */
async function gridUntil(client: Client, predicate: (grid: Grid) => boolean): Promise<Grid> {
  for (;;) {
    const grid = (await client.next("grid")) as Grid;
    if (predicate(grid)) return grid;
  }
}

async function start(): Promise<Companion> {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir("keys"), logLevel: "silent" });
  return companion;
}

describe("page keys", () => {
  it("keeps two sites' same path apart: grids, the API and the page list", async () => {
    const c = await start();
    const viewer = await connect(c.url);
    viewer.send({ type: "subscribe", origin: BLOG, path: "/", width: 1280, windowMs: 10_000 });
    expect(await viewer.next("subscribed")).toMatchObject({ origin: BLOG, path: "/", band: "desktop" });
    expect(((await viewer.next("grid")) as Grid).total).toBe(0);

    const capture = await connect(c.url);
    capture.send(batch(0, SHOP, "/", [[10, 10]]));
    await capture.next("ack");
    capture.send(batch(1, BLOG, "/", [[600, 600]]));
    await capture.next("ack");
    const grid = await gridUntil(viewer, (g) => g.total > 0);
    expect(grid).toMatchObject({ origin: BLOG, path: "/", total: 1, cells: [23, 23, 1] });

    const api = async (query: string) => (await fetch(`${c.url}/api/heatmap?${query}&width=1280`)).json();
    expect(await api(`origin=${SHOP}&path=/`)).toMatchObject({ origin: SHOP, total: 1, cells: [0, 0, 1] });
    expect(await api(`url=${encodeURIComponent(`${BLOG}/?utm=x`)}`)).toMatchObject({ origin: BLOG, total: 1 });
    expect(await api(`origin=http://other.test&path=/`)).toMatchObject({ total: 0 });
    const { pages } = (await (await fetch(`${c.url}/api/pages`)).json()) as { pages: object[] };
    expect(pages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ origin: SHOP, path: "/", band: "desktop" }),
        expect.objectContaining({ origin: BLOG, path: "/", band: "desktop" }),
      ]),
    );
  });

  it("refuses a batch whose origin is not a site's origin, and an API call without one", async () => {
    const c = await start();
    const capture = await connect(c.url);
    capture.send(batch(0, "HTTP://Shop.test:80/", "/", [[1, 1]]));
    expect(await capture.next("nack")).toMatchObject({ code: "E_SCHEMA", reason: /origin/, retry: false });
    const res = await fetch(`${c.url}/api/heatmap?path=/&width=1280`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "E_SCHEMA", reason: /origin is required/ });
    const bad = await fetch(`${c.url}/api/heatmap?origin=ftp://x&path=/`);
    expect(await bad.json()).toMatchObject({ code: "E_SCHEMA", reason: /http\(s\) origin/ });
  });

  it("names site, page, band and window on every line of a CSV export", async () => {
    const c = await start();
    const capture = await connect(c.url);
    capture.send(batch(0, SHOP, "/demo/", [[10, 10]]));
    await capture.next("ack");
    const csv = await (await fetch(`${c.url}/api/heatmap?origin=${SHOP}&path=/demo&width=1280&format=csv`)).text();
    const [header, line] = csv.trim().split("\n");
    expect(header).toBe("origin,path,band,window_ms,start,end,layer,col,row,count");
    expect(line).toMatch(new RegExp(`^${SHOP},/demo,desktop,300000,\\d+,\\d+,document,0,0,1$`));
  });

  it("finds every page /api/pages lists by the path it lists: hash routes, encoded / ? % and kept queries (the binary)", async () => {
    running = await startHeatlens(["--keep-query", "tab"]);
    const capture = await connect(running.url);
    // Paths as the extension sends them (protocol/page-path.ts), the key's path each is listed under, and its points.
    const sent: [string, string, number][] = [
      ["/demo/views/%23green", "/demo/views/#green", 3],
      ["/app/%23/cart", "/app/#/cart", 2],
      ["/app/%23!/cart/items", "/app/#!/cart/items", 1],
      ["/a%2Fb", "/a%2Fb", 4],
      ["/a/b", "/a/b", 5],
      ["/search/what%3F", "/search/what%3F", 6],
      ["/100%25/%2541", "/100%25/%2541", 7],
      ["/shop/?tab=2", "/shop?tab=2", 8],
    ];
    for (const [seq, [path, , n]] of sent.entries()) {
      capture.send(
        batch(
          seq,
          SHOP,
          path,
          Array.from({ length: n }, (_, i) => [10 + i, 10] as [number, number]),
        ),
      );
      await capture.next("ack");
    }
    const api = (query: Record<string, string>) =>
      fetch(`${running?.url}/api/heatmap?${new URLSearchParams({ ...query, band: "desktop" })}`).then(
        (res) => res.json() as Promise<Grid>,
      );
    const listed = ((await (await fetch(`${running.url}/api/pages`)).json()) as { pages: { path: string }[] }).pages;
    expect(listed.map((p) => p.path).sort()).toEqual(sent.map(([, key]) => key).sort());
    // Each listed path, sent back as it is listed, names its own page and its points alone.
    for (const [, key, n] of sent) {
      const grid = await api({ origin: SHOP, path: key });
      expect({ path: grid.path, total: grid.total }).toEqual({ path: key, total: n });
    }
    expect((await api({ origin: SHOP, path: "/a/b" })).total).toBe(5);
    // A page's URL: routes spelled #/ and #!/ are the extension's; other fragments are in-page anchors.
    expect(await api({ url: `${SHOP}/app#/cart` })).toMatchObject({ path: "/app/#/cart", total: 2 });
    expect(await api({ url: `${SHOP}/a/b#reviews` })).toMatchObject({ path: "/a/b", total: 5 });
    expect(await api({ url: `${SHOP}/shop/?utm=x&tab=2` })).toMatchObject({ path: "/shop?tab=2", total: 8 });
    // The snapshots of a listed page are asked for the same way.
    const snapshots = await fetch(
      `${running.url}/api/snapshots?${new URLSearchParams({ origin: SHOP, path: "/demo/views/#green" })}`,
    );
    expect(snapshots.status).toBe(200);
    expect(await snapshots.json()).toEqual({ snapshots: [] });
  });

  it("files points timed after their batch arrived at the arrival: live, history and a restart agree (the binary)", async () => {
    const dataDir = tempDataDir("keys-ahead");
    running = await startHeatlens([], dataDir);
    const capture = await connect(running.url);
    const sent = Date.now();
    // t0 two minutes after sentAt (a clock that jumped), and far past anything a query could name.
    const ahead = (seq: number, t0: number, x: number) => ({
      type: "batch",
      seq,
      sentAt: sent,
      pages: [{ origin: SHOP, path: "/ahead", w: 1280, t0, pts: [0, x, 10, 0] }],
    });
    capture.send(ahead(0, sent + 120_000, 10));
    await capture.next("ack");
    capture.send(ahead(1, 8_640_000_000_000_000, 600));
    await capture.next("ack");
    const total = async (query: string) => {
      const res = await fetch(`${running?.url}/api/heatmap?origin=${SHOP}&path=/ahead&width=1280&${query}`);
      return ((await res.json()) as Grid).total;
    };
    expect(await total("window=300000")).toBe(2);
    await running.stop();
    running = await startHeatlens([], dataDir);
    // The history holds them at their arrival, and the live window rebuilt after the restart too.
    expect(await total(`from=${sent - 60_000}&to=${Date.now() + 1000}`)).toBe(2);
    expect(await total("window=300000")).toBe(2);
  });

  it("files a client's points on its clock once that clock was set back from an hour ahead (the binary)", async () => {
    running = await startHeatlens([]);
    const capture = await connect(running.url);
    // One batch from a clock an hour ahead, then the same client with its clock corrected: both a second old.
    const sent = (seq: number, clock: number, x: number) => ({
      type: "batch",
      seq,
      sentAt: clock,
      pages: [{ origin: SHOP, path: "/clock", w: 1280, t0: clock - 1000, pts: [0, x, 10, 0] }],
    });
    capture.send(sent(0, Date.now() + 3_600_000, 10));
    await capture.next("ack");
    capture.send(sent(1, Date.now(), 600));
    await capture.next("ack");
    const res = await fetch(`${running.url}/api/heatmap?origin=${SHOP}&path=/clock&width=1280&window=10000`);
    const grid = (await res.json()) as Grid;
    expect(grid.total).toBe(2);
    // Both where they were sent: columns 0 and 23 of 50 at 1280 px.
    expect(grid.cells.filter((_, i) => i % 3 === 0).sort((a, b) => a - b)).toEqual([0, 23]);
  });

  it("refuses a time that is neither ms since the epoch nor ISO 8601, with E_SCHEMA (the binary)", async () => {
    running = await startHeatlens([]);
    for (const from of ["-1", "1 2", "0.5", "Tue Dec 01 2026"]) {
      for (const api of ["heatmap", "signals"]) {
        const res = await fetch(
          `${running.url}/api/${api}?${new URLSearchParams({ origin: SHOP, path: "/", width: "1280", from })}`,
        );
        expect([api, from, res.status]).toEqual([api, from, 400]);
        expect(await res.json()).toMatchObject({ code: "E_SCHEMA", reason: /from and to are times/ });
      }
    }
    const iso = new URLSearchParams({ origin: SHOP, path: "/", width: "1280", from: "2026-01-01T00:00:00Z" });
    expect((await fetch(`${running.url}/api/heatmap?${iso}`)).status).toBe(200);
  });

  it("takes width, window and cols as whole decimal numbers alone, and a width up to 100000 (the binary)", async () => {
    running = await startHeatlens([]);
    const answer = async (query: Record<string, string>) => {
      const params = new URLSearchParams({ origin: SHOP, path: "/", width: "1280", window: "300000", ...query });
      const res = await fetch(`${running?.url}/api/heatmap?${params}`);
      return res.status === 200 ? 200 : ((await res.json()) as { code: string; reason: string });
    };
    const width = { code: "E_SCHEMA", reason: "width must be a whole number of CSS px, 1 to 100000" };
    for (const w of ["1e3", "0x500", "01280", " 1280", "1280.0", "100001", "0"]) {
      expect([w, await answer({ width: w })]).toEqual([w, width]);
    }
    const window = { code: "E_SCHEMA", reason: "window must be one of 10000, 60000, 300000 (ms)" };
    for (const ms of ["0x493E0", "3e5", "0300000", "300000 "]) {
      expect([ms, await answer({ window: ms })]).toEqual([ms, window]);
    }
    for (const cols of ["050", "5e1", "+25"]) {
      expect([cols, await answer({ cols })]).toMatchObject([cols, { code: "E_COLS" }]);
    }
    expect(await answer({ width: "100000", cols: "25" })).toBe(200);
    // A share link's window, the same way.
    const share = await fetch(`${running.url}/share?origin=${encodeURIComponent(SHOP)}&path=%2F&window=3e5`);
    expect(share.status).toBe(400);
    expect(await share.json()).toEqual({ code: "E_SHARE_LINK", reason: "window must be a positive number of ms" });
  });

  it("keeps points stored before sites were keyed, reached with the empty origin after a restart", async () => {
    const dataDir = tempDataDir("keys-old");
    companion = await startCompanion({ port: 0, dataDir, logLevel: "silent" });
    // As protocol 1 stored them: the key has no origin.
    await companion.store.append({
      client: "old",
      seq: 0,
      groups: [{ key: "desktop|/old", times: [Date.now() - 1000], cells: [0] }],
    });
    companion.store.maintain(true);
    await companion.close();
    companion = await startCompanion({ port: 0, dataDir, logLevel: "silent" });
    const grid = await (await fetch(`${companion.url}/api/heatmap?origin=&path=/old&width=1280`)).json();
    expect(grid).toMatchObject({ origin: "", path: "/old", total: 1 });
    const { pages } = (await (await fetch(`${companion.url}/api/pages`)).json()) as { pages: object[] };
    expect(pages).toContainEqual(expect.objectContaining({ origin: "", path: "/old" }));
    expect(makeKey("desktop", "", "/old")).toBe("desktop|/old");
  });
});

describe("subscriptions", () => {
  it("answers two requests that resolve to one view, and keeps the view for the one left", async () => {
    const c = await start();
    const viewer = await connect(c.url);
    const capture = await connect(c.url);
    capture.send(batch(0, SHOP, "/demo/", [[100, 100]], 1280));
    await capture.next("ack");

    const at1280 = { type: "subscribe", origin: SHOP, path: "/demo/", width: 1280 };
    const at1366 = { ...at1280, width: 1366 };
    viewer.send(at1280);
    expect(await viewer.next("subscribed")).toMatchObject({ request: { width: 1280 }, band: "desktop" });
    await gridUntil(viewer, (g) => g.total === 1);
    viewer.send(at1366);
    expect(await viewer.next("subscribed")).toMatchObject({ request: { width: 1366 }, band: "desktop" });
    // The second request gets the view's current grid at once, though nothing changed.
    expect(((await viewer.next("grid")) as Grid).total).toBe(1);
    expect(c.fanout.viewerCount).toBe(1);

    viewer.send({ ...at1366, type: "unsubscribe" });
    capture.send(batch(1, SHOP, "/demo/", [[200, 200]], 1280));
    await capture.next("ack");
    expect((await gridUntil(viewer, (g) => g.total === 2)).total).toBe(2);

    viewer.send({ ...at1280, type: "unsubscribe" });
    await expect.poll(() => c.fanout.viewerCount).toBe(0);
  });

  it("answers a malformed subscribe with an error and keeps the connection, and the points it carries (the binary)", async () => {
    running = await startHeatlens([]);
    const client = await connect(running.url);
    for (const bad of [{ width: 0 }, { path: "relative" }, { cols: 0 }, { origin: "HTTP://Shop.Example" }]) {
      client.send({ type: "subscribe", origin: SHOP, path: "/a", width: 1280, ...bad });
      expect(await client.next("error")).toMatchObject({ type: "error", code: "E_SCHEMA" });
    }
    client.send(batch(0, SHOP, "/a", [[10, 10]]));
    expect(await client.next("ack")).toMatchObject({ seq: 0, points: 1 });
    client.send({ type: "subscribe", origin: SHOP, path: "/a", width: 1280 });
    expect(await client.next("subscribed")).toMatchObject({ path: "/a" });
  });

  it("answers a repeated request again without counting it twice", async () => {
    const c = await start();
    const viewer = await connect(c.url);
    const request = { type: "subscribe", origin: SHOP, path: "/a", width: 800, cols: 10 };
    viewer.send(request);
    await viewer.next("subscribed");
    viewer.send(request);
    expect(await viewer.next("subscribed")).toMatchObject({ request: { cols: 10 }, band: "tablet", cols: 10 });
    viewer.send({ ...request, type: "unsubscribe" });
    await expect.poll(() => c.fanout.viewerCount).toBe(0);
  });
});

describe("grid facts", () => {
  it("serves the companion's --windows, bands and columns at /api/config, as the welcome tells them", async () => {
    running = await startHeatlens(
      ["--windows", "5s,30s", "--default-window", "30s", "--bands", "800", "--cols", "40"],
      tempDataDir("keys-config"),
    );
    const { url } = running;
    const config = await (await fetch(`${url}/api/config`)).json();
    expect(config).toMatchObject({
      windowsMs: [5000, 30_000],
      defaultWindowMs: 30_000,
      cols: 40,
      bands: [
        { id: "w0", min: 0, max: 799 },
        { id: "w1", min: 800, max: null },
      ],
    });
    const { welcome } = await connect(url);
    const { type: _t, v: _v, server: _s, time: _time, ...facts } = welcome as Welcome;
    expect(facts).toEqual(config);
  });
});
