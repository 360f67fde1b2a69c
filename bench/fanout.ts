/**
 * Cost of one grid update delivered to 100 viewers of a key over real
 * websockets: the encode (once) and the 100 sends, in the companion's
 * process, divided by 100.
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { startCompanion } from "../companion/src/server";
import { makeKey } from "../protocol/page-key";
import { SITE } from "../tests/support/site";
import { tempDataDir } from "../tests/support/temp-dir";

export async function benchFanout(viewers = 100, updates = 2000): Promise<{ emitMicrosPerSubscriber: number }> {
  // Every viewer connects from 127.0.0.1 at once: more than one address may have before hello.
  const companion = await startCompanion({
    port: 0,
    dataDir: tempDataDir("bench"),
    logLevel: "silent",
    maxPendingPerAddress: viewers,
  });
  const url = `${companion.url.replace("http", "ws")}/ws`;
  const sockets = await Promise.all(
    Array.from({ length: viewers }, async (_, i) => {
      const ws = new WebSocket(url, ["heatlens.v1"]);
      await new Promise((resolve) => ws.once("open", resolve));
      ws.send(JSON.stringify({ type: "hello", v: 2, client: `viewer-${i}` }));
      ws.send(JSON.stringify({ type: "subscribe", origin: SITE, path: "/busy", width: 1280, windowMs: 300_000 }));
      return ws;
    }),
  );
  // Messages each viewer has received: the loop waits for every viewer to have them all before going on.
  const received = sockets.map(() => 0);
  for (const [i, ws] of sockets.entries()) {
    ws.on("message", () => {
      received[i] = (received[i] as number) + 1;
    });
  }
  while (companion.fanout.viewerCount < viewers) await new Promise((resolve) => setTimeout(resolve, 10));
  // A busy page: 1,500 tiles with counts.
  const grid = companion.windows.snapshot(makeKey("desktop", SITE, "/busy"), 2);
  for (let i = 0; i < 1500; i++) grid.cells.push(i % 50, Math.floor(i / 50), 1 + (i % 17));
  grid.total = grid.cells.length / 3;
  grid.max = 17;
  let elapsed = 0;
  const before = [...received];
  for (let u = 0; u < updates; u++) {
    grid.end += 250;
    const began = performance.now();
    companion.bus.publish("grid", grid);
    elapsed += performance.now() - began;
    // Every 20 updates (5 s of hops) the sockets drain, as they do between hops: only the emit is timed.
    if (u % 20 === 19) {
      const deadline = Date.now() + 30_000;
      while (received.some((n, i) => n - (before[i] as number) < u + 1)) {
        if (Date.now() > deadline) throw new Error("viewers did not receive their grids within 30 s");
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  }
  const skipped = companion.fanout.skipped;
  for (const ws of sockets) ws.terminate();
  await companion.close();
  if (skipped > 0) throw new Error(`${skipped} updates were skipped for slow viewers: the figure would be too low`);
  return { emitMicrosPerSubscriber: ((elapsed / updates) * 1000) / viewers };
}
