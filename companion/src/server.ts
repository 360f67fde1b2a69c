/**
 * Wires the companion: one HTTP server and one websocket endpoint on the same
 * port, the gateway, the window stage, the fan-out and the demo shop. The port
 * is bound before the data directory is touched, so a second companion on a
 * busy port fails without opening the database. Owns every timer and socket it
 * starts; `close()` releases them all.
 */

import { mkdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import sirv from "sirv";
import { WebSocketServer } from "ws";
import { bandsFromBreakpoints } from "../../protocol/grid";
import { Close, ErrorCode } from "../../protocol/wire";
import { TokenStore } from "./auth/tokens";
import { type Bus, InProcessBus } from "./bus/bus";
import { Fanout } from "./fanout/fanout";
import { capPendingHeaders, headersTimeouts } from "./gateway/admission";
import { Gateway, type GatewayDeps, ReasonedWebSocket } from "./gateway/gateway";
import { refuse } from "./gateway/refuse";
import { createDashboard } from "./http/dashboard";
import { createMetrics } from "./http/metrics";
import { createRouter } from "./http/router";
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
  const log = pino({ level: options.logLevel, base: undefined });

  const tls = options.tlsCert ? { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) } : null;
  let router: ReturnType<typeof createRouter> | null = null;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    headersDone(req.socket);
    if (router) router.request(req, res);
    else refuse(res, ErrorCode.starting, "the companion is starting; try again in a moment");
  };
  const server: Server = tls
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
  server.on("upgrade", (req, socket, head) => {
    headersDone(req.socket);
    if (router) router.upgrade(wss, req, socket, head);
    else refuse(socket, ErrorCode.starting, "the companion is starting; try again in a moment");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  let stages: Stages;
  try {
    await mkdir(options.dataDir, { recursive: true });
    stages = openStages(options, clock, log);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  const { store, tokens, bus, windows, fanout, gateway, rebuildMs, bands, normalise } = stages;

  const demo = options.demo ? sirv(DEMO_DIR, { extensions: ["html"], dev: false, etag: true }) : null;
  const stats = () => ({
    rebuildMs,
    store: { ...store.counters, failure: store.failure?.code ?? null },
    connections: gateway.connectionCount,
    viewers: fanout.viewerCount,
    liveKeys: windows.liveKeys,
    gateway: gateway.counters,
    windows: { onTime: windows.arrivals.open, late: windows.arrivals.late, tooOld: windows.arrivals.tooOld },
    skippedViewerUpdates: fanout.skipped,
  });
  const team = () => ({ clients: gateway.connectedClients(), pointsPerSecond: gateway.rate.perSecond });
  const api = { windows, store, normalise, bands, defaultWindowMs: options.defaultWindowMs, stats, team };
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
  const dashboard = createDashboard(tokens, tls !== null);
  router = createRouter({ gateway, tokens, api, metrics, dashboard, demo });

  // Close each pane right after its end on the companion's clock; a revoked token's idle connections go with it.
  let ticker: NodeJS.Timeout;
  const tick = () => {
    const now = clock();
    windows.tick(now);
    fanout.flushStale();
    gateway.checkRevocations();
    ticker = setTimeout(tick, options.hopMs - (now % options.hopMs) + 1);
  };
  tick();
  const heartbeat = setInterval(() => gateway.heartbeat(), options.heartbeatMs);
  const maintenance = setInterval(() => store.maintain(), 100);

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

type Stages = ReturnType<typeof openStages>;

/** Opens the store and the tokens, builds the stages and rebuilds the live windows from what the store holds. */
function openStages(
  options: CompanionOptions,
  clock: () => number,
  log: GatewayDeps["log"] & { info(obj: object, msg: string): void },
) {
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

  // So that a restart looks like nothing happened.
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
  return { store, tokens, bus, windows, fanout, gateway, rebuildMs, bands, normalise };
}
