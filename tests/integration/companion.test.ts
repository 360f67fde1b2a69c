/**
 * The companion over real sockets: the handshake, acknowledgements and
 * exactly-once batches, live grids for viewers, and clear errors for bad
 * input that leave every other client served.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import type { Batch, Grid } from "../../protocol/wire";
import { type Client, type ConnectOptions, connect as connectTo } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir(), logLevel: "silent", maxFrameBytes: 4096 });
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await companion.close();
});

/** A client of this test's companion, closed after the test. */
async function connect(options: ConnectOptions = {}): Promise<Client> {
  const client = await connectTo(companion.url, options);
  sockets.push(client.ws);
  return client;
}

function batch(seq: number, points: [number, number][], path = "/shop/item/?q=1#top", w = 1000): Batch {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: [{ origin: SITE, path, w, t0: now, pts: points.flatMap(([x, y]) => [0, x, y, 0]) }],
  };
}

describe("companion", () => {
  it("acknowledges each batch once and ignores a resent one", async () => {
    const client = await connect();
    client.send(batch(0, [[10, 10]]));
    expect(await client.next("ack")).toMatchObject({ seq: 0, points: 1, duplicate: false });
    client.send(batch(0, [[10, 10]]));
    expect(await client.next("ack")).toMatchObject({ seq: 0, duplicate: true });
    expect(companion.gateway.counters.points).toBe(1);
  });

  it("pushes a viewer the grid of its page, keyed by normalised path and width band", async () => {
    const viewer = await connect();
    viewer.send({ type: "subscribe", origin: SITE, path: "/shop/item", width: 1000, windowMs: 10_000 });
    expect(await viewer.next("subscribed")).toMatchObject({ path: "/shop/item", band: "tablet", windowMs: 10_000 });
    expect(((await viewer.next("grid")) as Grid).total).toBe(0);

    const capture = await connect();
    // Column 1 of 50 at width 1000 is x 20-39; row 100 is y 2000-2019: tiles stay square.
    capture.send(
      batch(0, [
        [25, 2005],
        [25, 2010],
        [700, 30],
      ]),
    );
    await capture.next("ack");
    let grid = (await viewer.next("grid")) as Grid;
    while (grid.total < 3) grid = (await viewer.next("grid")) as Grid;
    expect(grid).toMatchObject({ path: "/shop/item", cols: 50, total: 3, max: 2, rows: 101 });
    expect(grid.cells).toEqual(expect.arrayContaining([1, 100, 2]));
    expect(grid.tile).toEqual({ size: 0.02, unit: "layout-width" });

    const res = await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/shop/item/&width=1000&window=10000`);
    expect(await res.json()).toMatchObject({ total: 3, max: 2 });
  });

  it("gives each viewer the columns it asks for, a divisor of the companion's, and refuses others with E_COLS", async () => {
    const fine = await connect();
    const coarse = await connect();
    fine.send({ type: "subscribe", origin: SITE, path: "/cols", width: 1000, windowMs: 10_000 });
    coarse.send({ type: "subscribe", origin: SITE, path: "/cols", width: 1000, windowMs: 10_000, cols: 10 });
    expect(await coarse.next("subscribed")).toMatchObject({ path: "/cols", cols: 10, request: { cols: 10 } });
    expect(await fine.next("subscribed")).toMatchObject({ cols: 50 });

    coarse.send({ type: "subscribe", origin: SITE, path: "/cols", width: 1000, windowMs: 10_000, cols: 7 });
    expect(await coarse.next("error")).toEqual({
      type: "error",
      code: "E_COLS",
      reason: "cols must divide this companion's 50 columns: one of 1, 2, 5, 10, 25, 50",
    });

    const capture = await connect();
    // At 50 columns of a 1000 px width tiles are 20 px: (25, 2005) is col 1, row 100 and (199, 199) col 9, row 9.
    // At 10 columns tiles are 100 px: the first two share col 0, row 20; the third is col 1, row 1.
    capture.send(
      batch(
        0,
        [
          [25, 2005],
          [85, 2090],
          [199, 199],
          [700, 30],
        ],
        "/cols",
      ),
    );
    await capture.next("ack");
    const until = async (client: Client) => {
      for (;;) {
        const grid = (await client.next("grid")) as Grid;
        if (grid.total === 4) return grid;
      }
    };
    const [fineGrid, coarseGrid] = await Promise.all([until(fine), until(coarse)]);
    expect(fineGrid).toMatchObject({ cols: 50, rows: 105, max: 1, tile: { size: 0.02 } });
    expect(coarseGrid).toMatchObject({ cols: 10, rows: 21, max: 2, total: 4, tile: { size: 0.1 } });
    const cellsOf = (grid: Grid) => {
      const cells: string[] = [];
      for (let i = 0; i < grid.cells.length; i += 3) cells.push(grid.cells.slice(i, i + 3).join(","));
      return cells.sort();
    };
    expect(cellsOf(coarseGrid)).toEqual(["0,20,2", "1,1,1", "7,0,1"]);

    const api = await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/cols&width=1000&window=10000&cols=10`);
    expect(cellsOf((await api.json()) as Grid)).toEqual(cellsOf(coarseGrid));
    const refused = await fetch(
      `${companion.url}/api/heatmap?origin=${SITE}&path=/cols&width=1000&window=10000&cols=3`,
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "E_COLS" });
  });

  it("corrects a client's clock offset, so its points land in the live window", async () => {
    const client = await connect();
    const skew = -3_600_000;
    const clientNow = Date.now() + skew;
    client.send({
      type: "batch",
      seq: 0,
      sentAt: clientNow,
      pages: [{ origin: SITE, path: "/skewed", w: 1280, t0: clientNow - 100, pts: [0, 10, 10, 0] }],
    });
    await client.next("ack");
    await new Promise((resolve) => setTimeout(resolve, 600));
    const res = await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/skewed&width=1280&window=10000`);
    expect(await res.json()).toMatchObject({ total: 1 });
    expect(companion.windows.arrivals.tooOld).toBe(0);
  });

  it("closes a connection that sends a malformed frame, with a code and a reason, and keeps serving others", async () => {
    const good = await connect();
    const bad = await connect();
    bad.send("{not json");
    expect(await bad.closed).toEqual({ code: 1007, reason: "E_JSON: frame is not valid JSON" });
    good.send(batch(1, [[1, 1]]));
    expect(await good.next("ack")).toMatchObject({ seq: 1 });
  });

  it("closes an oversized frame with 1009 and a reason", async () => {
    const client = await connect();
    client.send("x".repeat(5000));
    const { code, reason } = await client.closed;
    expect(code).toBe(1009);
    expect(reason).toMatch(/^E_TOO_BIG/);
  });

  it("refuses another protocol version with a clear close reason", async () => {
    const client = await connect({ hello: false });
    client.send({ type: "hello", v: 3, client: "x" });
    const { code, reason } = await client.closed;
    expect(code).toBe(4000);
    expect(reason).toMatch(/E_VERSION: protocol version 3 is not supported/);
  });

  it("requires hello first", async () => {
    const client = await connect({ hello: false });
    client.send(batch(0, [[1, 1]]));
    expect((await client.closed).code).toBe(1002);
  });

  it("refuses a bad batch alone, with a code and a reason, and counts nothing from it", async () => {
    const client = await connect();
    client.send({ ...batch(3, [[1, 1]]), pages: [{ origin: SITE, path: "/x", w: 1000, t0: 1, pts: [0, -5, 1, 0] }] });
    expect(await client.next("nack")).toMatchObject({ seq: 3, code: "E_SCHEMA", retry: false });
    client.send(batch(4, [[1, 1]]));
    expect(await client.next("ack")).toMatchObject({ seq: 4 });
    expect(companion.gateway.counters.points).toBe(1);
  });

  it("asks a client over its rate to retry later", async () => {
    await companion.close();
    companion = await startCompanion({
      port: 0,
      dataDir: tempDataDir(),
      logLevel: "silent",
      maxEventsPerSecond: 1,
      rateBurstSeconds: 2,
    });
    const client = await connect();
    client.send(
      batch(0, [
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    expect(await client.next("nack")).toMatchObject({ seq: 0, code: "E_RATE", retry: true });
  });

  it("refuses web page origins before the upgrade", async () => {
    await expect(connect({ origin: "http://evil.example" })).rejects.toThrow(/403/);
    const extension = await connect({ origin: "chrome-extension://abcdefghijklmnop" });
    expect(extension.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("exposes its counters in the Prometheus format", async () => {
    const client = await connect();
    client.send(
      batch(0, [
        [1, 1],
        [2, 2],
      ]),
    );
    await client.next("ack");
    const res = await fetch(`${companion.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^heatlens_points_total 2$/m);
    expect(text).toMatch(/^heatlens_connections 1$/m);
    expect(text).toMatch(/^heatlens_storage_failing 0$/m);
  });

  it("answers bad HTTP requests with a code and a reason", async () => {
    const res = await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=nope`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "E_SCHEMA" });
    expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${companion.url}/demo/product/2`)).status).toBe(200);
  });
});
