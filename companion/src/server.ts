/**
 * Wires the companion: one HTTP server and one websocket endpoint on the same
 * port, the gateway, the window stage, the fan-out and the demo shop. Owns
 * every timer and socket it starts; `close()` releases them all.
 */

import { mkdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import sirv from "sirv";
import { WebSocketServer } from "ws";
import { bandsFromBreakpoints } from "../../protocol/grid";
import { Close } from "../../protocol/wire";
import { authenticate } from "./auth/authenticate";
import { TokenStore } from "./auth/tokens";
import { type Bus, InProcessBus } from "./bus/bus";
import { Fanout } from "./fanout/fanout";
import { Gateway, ReasonedWebSocket } from "./gateway/gateway";
import { gridFacts } from "./grid-facts";
import { handleApi, sendJson } from "./http/api";
import { createDashboard } from "./http/dashboard";
import { createMetrics } from "./http/metrics";
import { createPathNormaliser } from "./key/normalise-path";
import { type CompanionOptions, DEFAULTS, validateOptions } from "./options";
import type { Topics } from "./pipeline";
import { EventStore } from "./store/event-store";
import { WindowStage } from "./window/window-stage";

export const SERVER_NAME = "heatlens-companion/0.1.0";
const DEMO_DIR = fileURLToPath(new URL("../demo", import.meta.url));

export interface Companion {
  /** `http://host:port` the companion listens on. */
  url: string;
  port: number;
  store: EventStore;
  tokens: TokenStore;
  /** Time it took to rebuild the live windows from the store at start. */
  rebuildMs: number;
  /** The bus the stages talk over. */
  bus: Bus<Topics>;
  gateway: Gateway;
  windows: WindowStage;
  fanout: Fanout;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<CompanionOptions> {
  /** The companion's clock; tests pass their own. */
  clock?: () => number;
}

export async function startCompanion(overrides: StartOptions = {}): Promise<Companion> {
  const { clock = Date.now, ...rest } = overrides;
  const options: CompanionOptions = { ...DEFAULTS, ...rest };
  const problems = validateOptions(options);
  if (problems.length) throw new Error(`invalid options: ${problems.join("; ")}`);
  await mkdir(options.dataDir, { recursive: true });

  const log = pino({ level: options.logLevel, base: undefined });
  const longestWindow = Math.max(...options.windowsMs);
  const store = new EventStore({
    dataDir: options.dataDir,
    retentionDays: options.retentionDays,
    maxStoreBytes: options.maxStoreBytes,
    liveMs: longestWindow,
    clock,
  });
  const tokens = TokenStore.open(options.dataDir);
  const bands = bandsFromBreakpoints(options.bandBreakpoints);
  const normalise = createPathNormaliser({ templates: options.templates, keepQuery: options.keepQuery });
  const bus = new InProcessBus<Topics>();
  const windows = new WindowStage(bus, { ...options, bands, now: clock() });
  const fanout = new Fanout(bus, options);

  // Rebuild the live windows from what the store holds, so a restart looks like nothing happened.
  const rebuildStarted = performance.now();
  const now = clock();
  let rebuilt = 0;
  for (const groups of store.recent(now - longestWindow)) {
    bus.publish("points", { client: "", groups });
    rebuilt++;
  }
  windows.tick(now);
  const rebuildMs = performance.now() - rebuildStarted;
  if (rebuilt) log.info({ batches: rebuilt, ms: Math.round(rebuildMs) }, "live windows rebuilt from the store");

  const gateway = new Gateway({
    options,
    bus,
    fanout,
    store,
    tokens,
    normalise,
    bands,
    keys: windows,
    clock,
    log,
    serverName: SERVER_NAME,
  });

  const demo = options.demo ? sirv(DEMO_DIR, { extensions: ["html"], dev: false, etag: true }) : null;
  const stats = () => ({
    rebuildMs,
    store: { ...store.counters, failure: store.failure?.code ?? null },
    connections: gateway.connectionCount,
    viewers: fanout.viewerCount,
    liveKeys: windows.liveKeys,
    gateway: gateway.counters,
    arrivals: windows.arrivals,
    skippedViewerUpdates: fanout.skipped,
  });

  const team = () => ({ clients: gateway.connectedClients(), pointsPerSecond: gateway.rate.perSecond });
  const api = {
    windows,
    store,
    normalise,
    bands,
    defaultWindowMs: options.defaultWindowMs,
    stats,
    team,
    config: gridFacts(options, bands),
  };
  const metrics = createMetrics({
    gateway: gateway.counters,
    arrivals: windows.arrivals,
    store: store.counters,
    connections: () => gateway.connectionCount,
    viewers: () => fanout.viewerCount,
    liveKeys: () => windows.liveKeys,
    storageFailing: () => store.failure !== null,
    skippedViewerUpdates: () => fanout.skipped,
  });
  const tls = options.tlsCert ? { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) } : null;
  const dashboard = createDashboard(tokens, tls !== null);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://companion");
    if (url.pathname.startsWith("/api/") || url.pathname === "/metrics") {
      const verdict = authenticate(req, tokens, ["view"]);
      if (!verdict.ok) return sendJson(res, verdict.status, { code: verdict.code, reason: verdict.reason });
    }
    if (url.pathname === "/metrics") {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(text);
      });
      return;
    }
    if (handleApi(req, res, url, api)) return;
    if (demo && url.pathname === "/demo") {
      res.writeHead(301, { location: "/demo/" }).end();
      return;
    }
    if (demo && url.pathname.startsWith("/demo/")) {
      req.url = req.url?.slice("/demo".length) ?? "/";
      demo(req, res, () => sendJson(res, 404, { code: "E_NOT_FOUND", reason: "no such demo page" }));
      return;
    }
    if (dashboard(req, res, url)) return;
    sendJson(res, 404, { code: "E_NOT_FOUND", reason: `nothing at ${url.pathname}` });
  };
  const server: Server = tls ? createHttpsServer(tls, handle) : createServer(handle);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes,
    maxFragments: options.maxFragments,
    WebSocket: ReasonedWebSocket,
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has("heatlens.v1") ? "heatlens.v1" : false),
  });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://companion");
    const verdict =
      url.pathname === "/ws"
        ? gateway.admit(req)
        : ({ ok: false, status: 404, code: "E_NOT_FOUND", reason: "websockets are served at /ws" } as const);
    if (!verdict.ok) {
      const body = JSON.stringify({ code: verdict.code, reason: verdict.reason });
      socket.end(
        `HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => gateway.attach(ws, verdict.token));
  });

  // Close each pane right after its end on the companion's clock.
  let ticker: NodeJS.Timeout;
  const tick = () => {
    const now = clock();
    windows.tick(now);
    fanout.flushStale();
    ticker = setTimeout(tick, options.hopMs - (now % options.hopMs) + 1);
  };
  tick();
  const heartbeat = setInterval(() => gateway.heartbeat(), options.heartbeatMs);
  const maintenance = setInterval(() => store.maintain(), 100);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `${tls ? "https" : "http"}://${host}:${port}`;
  log.info({ url }, "companion listening");

  return {
    url,
    port,
    store,
    tokens,
    rebuildMs,
    bus,
    gateway,
    windows,
    fanout,
    async close() {
      clearTimeout(ticker);
      clearInterval(heartbeat);
      clearInterval(maintenance);
      gateway.closeAll(Close.goingAway, "companion shutting down");
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      windows.close();
      fanout.close();
      store.maintain(true);
      store.close();
      tokens.close();
    },
  };
}
