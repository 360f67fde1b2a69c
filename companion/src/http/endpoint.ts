/**
 * The companion's one port: an HTTP(S) server and its websocket endpoint,
 * bound before anything else is opened. Until `serve()` hands it a router,
 * requests and upgrades get 503 `E_STARTING`. Connections still sending their
 * headers are capped per address and timed out (`--headers-timeout`).
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { ErrorCode } from "../../../protocol/wire";
import { capPendingHeaders, headersTimeouts } from "../gateway/admission";
import { ReasonedWebSocket } from "../gateway/connection";
import { refuse } from "../gateway/refuse";
import type { CompanionOptions } from "../options";

export interface Routes {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface Endpoint {
  /** `http(s)://host:port` it listens on. */
  url: string;
  port: number;
  secure: boolean;
  serve(routes: Routes): void;
  close(): Promise<void>;
}

const STARTING = "the companion is starting; try again in a moment";

/** Listens on `--host`/`--port`; rejects (with the `code`, e.g. EADDRINUSE) when it cannot. */
export async function bindEndpoint(options: CompanionOptions): Promise<Endpoint> {
  const tls = options.tlsCert ? { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) } : null;
  let routes: Routes | null = null;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    headersDone(req.socket);
    if (routes) routes.request(req, res);
    else refuse(res, ErrorCode.starting, STARTING);
  };
  const server = tls
    ? createHttpsServer({ ...tls, ...headersTimeouts(options) }, onRequest)
    : createServer(headersTimeouts(options), onRequest);
  const headersDone = capPendingHeaders(server, options, tls !== null);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes,
    maxFragments: options.maxFragments,
    WebSocket: ReasonedWebSocket,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has("heatlens.v1") ? "heatlens.v1" : false),
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands an upgrade's socket over with no error listener: a client that resets it
    // (after a refusal, or while it is checked) would otherwise throw and stop the companion.
    socket.on("error", () => socket.destroy());
    headersDone(req.socket);
    if (routes) routes.upgrade(wss, req, socket, head);
    else refuse(socket, ErrorCode.starting, STARTING);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `${tls ? "https" : "http"}://${host}:${port}`,
    port,
    secure: tls !== null,
    serve(next) {
      routes = next;
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
