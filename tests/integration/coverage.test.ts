/**
 * Coverage through the real `heatlens` binary: a page group's controls
 * inventory and its anchored points give each page's clicked, hovered-only
 * and untouched controls in /api/coverage (live window and history range),
 * lowest share first; the inventory survives kill -9; bad ones are refused
 * with E_SCHEMA and a reason, alone.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connect, eventually, get, type Running, reply, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
});

async function start(dataDir = tempDataDir("coverage")): Promise<Running> {
  const companion = await startHeatlens([], dataDir);
  running.push(companion);
  return companion;
}

/** A batch of one page group: its controls, and points `[anchor index, click]` on its anchors. */
function group(path: string, controls: string[] | undefined, anchors: string[], pts: [number, boolean][]): object {
  const now = Date.now();
  return {
    origin: SITE,
    path,
    w: 1000,
    t0: now,
    pts: pts.flatMap(([, click]) => [0, 10, 10, click ? 1 : 0]),
    ...(anchors.length > 0 ? { anchors, at: pts.flatMap(([a]) => [a + 1, 0, 0]) } : {}),
    ...(controls ? { controls } : {}),
  };
}

interface CoveredPage {
  path: string;
  controls: number;
  clicked: number;
  hovered: number;
  untouched: number;
  untouchedControls: string[];
  hoveredControls: string[];
}

async function coverage(c: Running, query = ""): Promise<{ pages: CoveredPage[] }> {
  const answer = await get(`${c.url}/api/coverage${query}`);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body);
}

describe("coverage through the heatlens binary", () => {
  it("counts clicked, hovered-only and untouched controls per page, lowest share first, live and in a range", async () => {
    const c = await start();
    const client = await connect(c.url);
    const since = Date.now() - 1000;
    const batch = {
      type: "batch",
      seq: 1,
      sentAt: Date.now(),
      pages: [
        // /form: 1 of 4 clicked (a click inside #send's label counts for #send), #name hovered only.
        group(
          "/form",
          ["#send", "#name", "#cancel", "#help"],
          ["#send > span", "#name", ".nowhere"],
          [
            [0, true],
            [0, false],
            [1, false],
            [2, true],
          ],
        ),
        // /home: 1 of 2 clicked.
        group("/home", ["#go", "#menu"], ["#go"], [[0, true]]),
      ],
    };
    expect(await reply(client, batch)).toMatchObject({ type: "ack", points: 5 });
    const live = await eventually(
      async () => {
        const answer = await coverage(c, "?window=10000");
        return answer.pages.some((p) => p.clicked > 0) && answer.pages.length === 2 ? answer : undefined;
      },
      5000,
      "both pages covered",
    );
    expect(live.pages).toMatchObject([
      {
        path: "/form",
        controls: 4,
        clicked: 1,
        hovered: 1,
        untouched: 2,
        untouchedControls: ["#cancel", "#help"],
        hoveredControls: ["#name"],
      },
      { path: "/home", controls: 2, clicked: 1, hovered: 0, untouched: 1, untouchedControls: ["#menu"] },
    ]);
    // The history is folded from stored batches a little later.
    const range = `?origin=${SITE}&path=/home&from=${since}&to=${Date.now() + 60_000}`;
    const one = await eventually(
      async () => {
        const answer = await coverage(c, range);
        return answer.pages[0]?.clicked === 1 ? answer : undefined;
      },
      5000,
      "the range's click",
    );
    expect(one.pages).toMatchObject([{ path: "/home", controls: 2, clicked: 1, untouchedControls: ["#menu"] }]);
    client.ws.terminate();
  });

  it("keeps the latest inventory of a page through kill -9", async () => {
    const dataDir = tempDataDir("coverage");
    const first = await start(dataDir);
    const client = await connect(first.url);
    const send = (seq: number, controls: string[]) =>
      reply(client, { type: "batch", seq, sentAt: Date.now(), pages: [group("/p", controls, [], [])] });
    expect(await send(1, ["#old"])).toMatchObject({ type: "ack", points: 0 });
    expect(await send(2, ["#a", "#b"])).toMatchObject({ type: "ack", points: 0 });
    client.ws.terminate();
    await first.kill();
    const second = await start(dataDir);
    expect((await coverage(second)).pages).toMatchObject([
      { path: "/p", controls: 2, untouchedControls: ["#a", "#b"] },
    ]);
  });

  it("refuses bad inventories with E_SCHEMA and a reason, and bad queries with E_SCHEMA", async () => {
    const c = await start();
    const client = await connect(c.url);
    const bad: [unknown, RegExp][] = [
      ["#a", /controls/],
      [["#a\u0001"], /control characters/],
      [["x".repeat(513)], /controls/],
      [[""], /controls/],
    ];
    let seq = 1;
    for (const [controls, reason] of bad) {
      const group = { origin: SITE, path: "/bad", w: 1000, t0: Date.now(), pts: [], controls };
      const answer = await reply(client, { type: "batch", seq: seq++, sentAt: Date.now(), pages: [group] });
      expect(answer).toMatchObject({ type: "nack", code: "E_SCHEMA", reason: expect.stringMatching(reason) });
    }
    expect((await coverage(c)).pages).toEqual([]);
    const refused = await get(`${c.url}/api/coverage?origin=${SITE}`);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ code: "E_SCHEMA", reason: expect.stringMatching(/path/) });
    client.ws.terminate();
  });
});
