/**
 * --max-keys and --max-keys-per-client hold against a client that sends
 * batches back to back without waiting for their acks, through the real
 * `heatlens` binary.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { type Running, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

/** Sends `batches` batches of 100 new pages each without waiting, and returns each batch's answer. */
async function flood(url: string, client: string, batches: number, firstPage = 0): Promise<ServerMessage[]> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/ws`, ["heatlens.v1"]);
  const answers = new Map<number, ServerMessage>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as ServerMessage;
    if (message.type === "ack" || message.type === "nack") answers.set(message.seq, message);
  });
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client }));
  const now = Date.now();
  for (let seq = 0; seq < batches; seq++) {
    const pages = Array.from({ length: 100 }, (_, i) => ({
      origin: SITE,
      path: `/p${firstPage + seq * 100 + i}`,
      w: 1280,
      t0: now,
      pts: [0, 10, 10, 0],
    }));
    ws.send(JSON.stringify({ type: "batch", seq, sentAt: now, pages }));
  }
  const deadline = Date.now() + 10_000;
  while (answers.size < batches && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  ws.close();
  return Array.from({ length: batches }, (_, seq) => answers.get(seq) as ServerMessage);
}

async function liveKeys(url: string): Promise<number> {
  return ((await (await fetch(`${url}/api/stats`)).json()) as { liveKeys: number }).liveKeys;
}

describe("page key limits, through the binary", () => {
  it("--max-keys holds when batches of new pages arrive without waiting for acks", async () => {
    const companion = await startHeatlens(["--max-keys", "250"], tempDataDir("keys"));
    running.push(companion);
    const answers = await flood(companion.url, "flood", 10);
    expect(answers.filter((m) => m?.type === "ack")).toHaveLength(2);
    const refused = answers.filter((m) => m?.type === "nack");
    expect(refused).toHaveLength(8);
    expect(refused[0]).toMatchObject({ code: "E_KEYS", retry: true });
    expect(await liveKeys(companion.url)).toBe(200);
  });

  it("--max-keys-per-client holds the same way, and leaves room for other clients", async () => {
    const companion = await startHeatlens(["--max-keys-per-client", "150"], tempDataDir("keys-client"));
    running.push(companion);
    const first = await flood(companion.url, "one", 3);
    expect(first.map((m) => m?.type)).toEqual(["ack", "nack", "nack"]);
    const other = await flood(companion.url, "two", 1, 10_000);
    expect(other.map((m) => m?.type)).toEqual(["ack"]);
    expect(await liveKeys(companion.url)).toBe(200);
  });
});
