/**
 * The transport's limit for the ingest benchmark: a bare `ws` server in its own
 * process that parses each frame as the companion must (JSON) and acks it at
 * once, storing nothing. Over IPC: `{port}` when it listens; on "report" its
 * point count; on "stop" it exits.
 */
import { WebSocketServer } from "ws";

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => "heatlens.v1" });
let points = 0;
server.on("connection", (ws) => {
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as { type: string; seq?: number; pages?: { pts: number[] }[] };
    if (message.type === "hello") {
      ws.send(JSON.stringify({ type: "welcome" }));
      return;
    }
    let n = 0;
    for (const page of message.pages ?? []) n += page.pts.length / 4;
    points += n;
    ws.send(JSON.stringify({ type: "ack", seq: message.seq, points: n, duplicate: false }));
  });
});
server.on("listening", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});
process.on("message", (message) => {
  if (message === "reset") return;
  if (message === "report") process.send?.({ loopDelayP99Ms: 0, loopDelayMaxMs: 0, points });
  if (message === "stop") server.close(() => process.exit(0));
});
// The benchmark that forked it is gone (killed by a signal): stop too.
process.once("disconnect", () => process.exit(0));
