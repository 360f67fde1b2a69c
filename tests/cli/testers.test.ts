/**
 * `GET /api/testers` through the real binary: each connected tester with its
 * display name, its browser from the upgrade's User-Agent, the pages it is on
 * now, its points per second and whether it paused capture (its `status`
 * messages); behind the view role once tokens exist.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Close } from "../../protocol/wire";
import {
  batch,
  type Client,
  connect,
  createToken,
  get,
  points,
  type Running,
  startHeatlens,
  until,
} from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

interface Tester {
  name: string;
  browser: string;
  pages: { origin: string; path: string; band: string }[];
  pointsPerSecond: number;
  connectedAt: number;
  paused: boolean | null;
}

let companion: Running | null = null;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await companion?.stop();
  companion = null;
});

async function send(client: Client, seq: number, paths: string[]): Promise<void> {
  client.send(
    batch(
      seq,
      paths.map((path) => ({ path, points: points(20) })),
    ),
  );
  expect(await client.next("ack")).toMatchObject({ seq, duplicate: false });
}

describe("GET /api/testers", () => {
  it("lists each connected tester with its name, browser, pages now and points per second", async () => {
    companion = await startHeatlens([]);
    const alice = await connect(companion.url, { name: "Alice", userAgent: CHROME });
    const bob = await connect(companion.url, { name: "Bob", userAgent: FIREFOX });
    clients.push(alice, bob);
    const before = Date.now();
    await send(alice, 0, ["/checkout", "/cart"]);
    await send(bob, 0, ["/"]);

    const answer = await get(`${companion.url}/api/testers`);
    expect(answer.status).toBe(200);
    const { testers } = JSON.parse(answer.body) as { testers: Tester[] };
    const byName = new Map(testers.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual(["Alice", "Bob"]);
    const a = byName.get("Alice") as Tester;
    const b = byName.get("Bob") as Tester;
    expect(a.browser).toBe("Chrome 131");
    expect(b.browser).toBe("Firefox 128");
    // Points of a 1000 px wide page are in the tablet band.
    expect(a.pages).toEqual([
      { origin: SITE, path: "/checkout", band: "tablet" },
      { origin: SITE, path: "/cart", band: "tablet" },
    ]);
    expect(b.pages).toEqual([{ origin: SITE, path: "/", band: "tablet" }]);
    // 40 and 20 points, averaged over the last ten seconds.
    expect(a.pointsPerSecond).toBe(4);
    expect(b.pointsPerSecond).toBe(2);
    for (const t of [a, b]) expect(t.connectedAt).toBeLessThanOrEqual(before);
  });

  it("says whether each tester paused capture, as its last status said, and null until one says", async () => {
    companion = await startHeatlens([]);
    const alice = await connect(companion.url, { name: "Alice" });
    const bob = await connect(companion.url, { name: "Bob" });
    clients.push(alice, bob);
    const url = companion.url;
    const pausedOf = async () => {
      const { testers } = JSON.parse((await get(`${url}/api/testers`)).body) as { testers: Tester[] };
      return Object.fromEntries(testers.map((t) => [t.name, t.paused]));
    };
    expect(await pausedOf()).toEqual({ Alice: null, Bob: null });

    alice.send({ type: "status", paused: true });
    bob.send({ type: "status", paused: false });
    await until(async () => (await pausedOf()).Alice === true && (await pausedOf()).Bob === false);

    alice.send({ type: "status", paused: false });
    await until(async () => (await pausedOf()).Alice === false);
    expect(await pausedOf()).toEqual({ Alice: false, Bob: false });
  });

  it("closes a connection whose status is malformed with E_SCHEMA", async () => {
    companion = await startHeatlens([]);
    const alice = await connect(companion.url, { name: "Alice" });
    clients.push(alice);
    alice.send({ type: "status", paused: "yes" });
    const closed = await alice.closed;
    expect(closed.code).toBe(Close.protocolError);
    expect(closed.reason).toMatch(/^E_SCHEMA: .*paused/);
  });

  it("needs a token with the view role once tokens exist", async () => {
    const dataDir = tempDataDir("cli-testers");
    const { token } = await createToken(dataDir, "capture,view");
    companion = await startHeatlens([], dataDir);
    const alice = await connect(companion.url, { name: "Alice", userAgent: CHROME, token });
    clients.push(alice);
    await send(alice, 0, ["/"]);

    const anonymous = await get(`${companion.url}/api/testers`);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ code: "E_UNAUTHORIZED" });
    const signed = await get(`${companion.url}/api/testers`, { authorization: `Bearer ${token}` });
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.body).testers).toMatchObject([{ name: "Alice", browser: "Chrome 131" }]);
  });
});
