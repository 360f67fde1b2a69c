import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { freePort } from "../../tests/support/free-port";
import { tempDataDir } from "../../tests/support/temp-dir";
import { CompanionLink } from "./companion-link";

let PORT = 0;
let companion: Companion | null = null;
let link: CompanionLink | null = null;

beforeEach(async () => {
  PORT = await freePort();
});

afterEach(async () => {
  link?.close();
  await companion?.close();
  companion = null;
});

const start = () => startCompanion({ port: PORT, dataDir: tempDataDir(), logLevel: "silent" });
const page = (t0: number) => [{ origin: "http://shop.test", path: "/p", w: 1280, t0, pts: [0, 10, 10, 0] }];

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("CompanionLink", () => {
  it("keeps batches while the companion is down and delivers each once when it comes up", async () => {
    link = new CompanionLink({
      url: `ws://127.0.0.1:${PORT}`,
      clientId: "link-test",
      minBackoffMs: 50,
      maxBackoffMs: 200,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    link.send(0, page(Date.now()));
    link.send(1, page(Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(link.getStatus().state).not.toBe("open");
    expect(link.getStatus().queued).toBe(2);

    companion = await start();
    await until(() => link?.getStatus().queued === 0);
    expect(link.getStatus()).toMatchObject({ state: "open", acked: 2 });
    expect(companion.gateway.counters.points).toBe(2);
  });

  it("resends what was not acknowledged after a reconnect, and the companion counts it once", async () => {
    companion = await start();
    link = new CompanionLink({
      url: `ws://127.0.0.1:${PORT}`,
      clientId: "link-test-2",
      minBackoffMs: 50,
      maxBackoffMs: 200,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    await until(() => link?.getStatus().state === "open");
    link.send(7, page(Date.now()));
    await until(() => link?.getStatus().acked === 1);
    // Drop every connection: the link reconnects and says hello again.
    companion.gateway.closeAll(1001, "restart");
    link.send(8, page(Date.now()));
    await until(() => link?.getStatus().acked === 2);
    expect(companion.gateway.counters.points + companion.gateway.counters.duplicates).toBeGreaterThanOrEqual(2);
    expect(companion.gateway.counters.points).toBe(2);
  });

  it("marks a fresh batch's first transmission only: not its resend, nor a batch read back from storage", async () => {
    companion = await start();
    const sent: { seq: number; first: boolean }[] = [];
    let dropped = false;
    // Records each batch frame; the first one of seq 5 is lost on the way, as a frame is when a connection dies.
    class Recording extends WebSocket {
      override send(data: string): void {
        const message = JSON.parse(data);
        if (message.type === "batch") {
          sent.push({ seq: message.seq, first: message.first === true });
          if (message.seq === 5 && !dropped) {
            dropped = true;
            return;
          }
        }
        super.send(data);
      }
    }
    link = new CompanionLink({
      url: `ws://127.0.0.1:${PORT}`,
      clientId: "link-first",
      minBackoffMs: 50,
      maxBackoffMs: 200,
      WebSocket: Recording as unknown as typeof globalThis.WebSocket,
    });
    await until(() => link?.getStatus().state === "open");
    link.send(4, page(Date.now()));
    link.send(5, page(Date.now()), true);
    link.send(6, page(Date.now()), true);
    await until(() => link?.getStatus().acked === 2);
    companion.gateway.closeAll(1001, "restart");
    await until(() => link?.getStatus().acked === 3);
    expect(sent).toEqual([
      { seq: 4, first: false },
      { seq: 5, first: true },
      { seq: 6, first: true },
      { seq: 5, first: false },
    ]);
  });

  it("keeps a batch refused for the token's role, and says the token lacks it", async () => {
    companion = await start();
    const { token } = companion.tokens.create("watcher", ["view"]);
    link = new CompanionLink({
      url: `ws://127.0.0.1:${PORT}`,
      clientId: "link-test-4",
      token,
      retryMs: 100,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    link.send(0, page(Date.now()));
    await until(() => link?.getStatus().state === "token-limited");
    expect(link.getStatus().lastError).toMatch(/^E_FORBIDDEN: .*capture role/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(link.getStatus()).toMatchObject({ queued: 1, acked: 0, rejected: 0 });
    expect(companion.gateway.counters.points).toBe(0);
  });

  it("keeps two watches that differ only in columns, and the companion answers both", async () => {
    companion = await start();
    const answered: (number | undefined)[] = [];
    link = new CompanionLink(
      {
        url: `ws://127.0.0.1:${PORT}`,
        clientId: "link-test-3",
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      },
      { subscribed: (message) => answered.push(message.request.cols) },
    );
    const watch = { origin: "http://shop.test", path: "/p", width: 1280 };
    link.watch(watch);
    link.watch({ ...watch, cols: 10 });
    await until(() => answered.length === 2);
    expect(answered.sort()).toEqual([10, undefined]);
    expect(link.watching()).toHaveLength(2);
    link.unwatch(watch);
    expect(link.watching()).toEqual([{ ...watch, cols: 10 }]);
  });

  it("tells the companion whether capture is paused after each welcome and on each change", async () => {
    companion = await start();
    const running = companion;
    link = new CompanionLink({
      url: `ws://127.0.0.1:${PORT}`,
      clientId: "link-test-5",
      minBackoffMs: 50,
      maxBackoffMs: 200,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const paused = () => running.gateway.connectedClients().map((c) => c.paused);
    link.setPaused(true);
    await until(() => paused()[0] === true);
    link.setPaused(false);
    await until(() => paused()[0] === false);
    link.setPaused(true);
    await until(() => paused()[0] === true);
    // A new connection starts unknown: the link says it again after the welcome.
    running.gateway.closeAll(1001, "restart");
    await until(() => paused().length === 1 && paused()[0] === true);
  });
});
