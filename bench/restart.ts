/**
 * Restart to live: a companion holding the last four and a half minutes of a
 * busy team's points (60,000 points in 15,000 batches) is killed with SIGKILL
 * and started again on the same data; measured from the new process's spawn
 * to `/healthz` answering, which happens only once the live windows are rebuilt.
 * The points span 270 s of the 5-minute window, so that a slow machine's
 * sending and restarting (seconds) leaves every one of them inside it.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { freePort } from "../tests/support/free-port";
import { SITE } from "../tests/support/site";
import { tempDataDir } from "../tests/support/temp-dir";

async function startProcess(dataDir: string, port: number) {
  const began = performance.now();
  const child = spawn(
    process.execPath,
    ["companion/bin/heatlens.js", "--port", String(port), "--data-dir", dataDir, "--log-level", "warn"],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, ms: performance.now() - began };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function benchRestart(): Promise<{ restartToLiveMs: number; rebuiltPoints: number }> {
  const dataDir = tempDataDir("restart-bench");
  const PORT = await freePort();
  const first = await startProcess(dataDir, PORT);
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}/ws`, ["heatlens.v1"]);
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send(JSON.stringify({ type: "hello", v: 2, client: "restart-bench" }));
  const now = Date.now();
  let acked = 0;
  ws.on("message", (data) => {
    if (JSON.parse(String(data)).type === "ack") acked++;
  });
  const batches = 15_000;
  for (let seq = 0; seq < batches; seq++) {
    // One tab's second: four points, spread over the last four and a half minutes.
    const t0 = now - 275_000 + Math.floor((seq / batches) * 270_000);
    const pts = [0, 100 + (seq % 900), 200 + (seq % 1800), 0, 250, 120, 300, 0, 500, 640, 410, 0, 750, 90, 2400, 0];
    ws.send(
      JSON.stringify({
        type: "batch",
        seq,
        sentAt: Date.now(),
        pages: [{ origin: SITE, path: `/page/${seq % 20}`, w: 1280, t0, pts }],
      }),
    );
  }
  while (acked < batches) await new Promise((resolve) => setTimeout(resolve, 20));
  ws.terminate();
  first.child.kill("SIGKILL");
  await new Promise((resolve) => first.child.once("exit", resolve));

  const second = await startProcess(dataDir, PORT);
  const { pages } = (await (await fetch(`http://127.0.0.1:${PORT}/api/pages`)).json()) as {
    pages: { events: Record<string, number> }[];
  };
  const rebuiltPoints = pages.reduce((n, p) => n + (p.events["300000"] ?? 0), 0);
  second.child.kill("SIGKILL");
  if (rebuiltPoints !== batches * 4) throw new Error(`rebuilt ${rebuiltPoints} of ${batches * 4} points`);
  return { restartToLiveMs: second.ms, rebuiltPoints };
}
