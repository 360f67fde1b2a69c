/**
 * Routes HTTP requests: the Host check first (for every path), then the view
 * role for `/api/*` and `/metrics`, then the snapshots, the API (and the stats it reports),
 * the metrics, the demo shop and the dashboard. Websocket upgrades on `/ws`
 * go to the gateway.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import sirv from "sirv";
import type { WebSocketServer } from "ws";
import type { WidthBand } from "../../../protocol/grid";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import { ErrorCode } from "../../../protocol/wire";
import { authenticate } from "../auth/authenticate";
import type { TokenStore } from "../auth/tokens";
import type { ClusterNode } from "../cluster/node";
import type { Fanout } from "../fanout/fanout";
import type { Gateway } from "../gateway/gateway";
import { refuse } from "../gateway/refuse";
import { gridFacts } from "../grid-facts";
import type { CompanionOptions } from "../options";
import type { EventStore } from "../store/event-store";
import type { SnapshotStore } from "../store/snapshot-store";
import type { WindowStage } from "../window/window-stage";
import { type ApiDeps, handleApi } from "./api";
import { createDashboard } from "./dashboard";
import type { Routes } from "./endpoint";
import { createMetrics } from "./metrics";
import { handleSnapshots, type SnapshotDeps } from "./snapshots";
import { whoami } from "./whoami";

const DEMO_DIR = fileURLToPath(new URL("../../demo", import.meta.url));

export interface RouterDeps {
  options: CompanionOptions;
  /** This companion's cluster, when it is a node of one: live grids come from their keys' owners. */
  cluster: ClusterNode | null;
  secure: boolean;
  gateway: Gateway;
  tokens: TokenStore;
  store: EventStore;
  snapshots: SnapshotStore;
  windows: WindowStage;
  fanout: Fanout;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
  rebuildMs: number;
  /** Named in `/healthz`, so that a client can tell a companion from anything else on the port. */
  serverName: string;
}

export function createRouter(deps: RouterDeps): Routes {
  const { options, gateway, tokens, store, windows, fanout } = deps;
  const stats = () => ({
    rebuildMs: deps.rebuildMs,
    store: { ...store.counters, failure: store.failure?.code ?? null },
    connections: gateway.connectionCount,
    viewers: fanout.viewerCount,
    liveKeys: windows.liveKeys,
    gateway: gateway.counters,
    windows: { onTime: windows.arrivals.open, late: windows.arrivals.late, tooOld: windows.arrivals.tooOld },
    evictedAnchors: windows.evictedAnchors,
    skippedViewerUpdates: fanout.skipped,
    ...(deps.cluster && { cluster: deps.cluster.stats() }),
  });
  const team = () => ({ clients: gateway.connectedClients(), pointsPerSecond: gateway.rate.perSecond });
  const api: ApiDeps = {
    windows,
    liveGrid: deps.cluster
      ? (key, windowIndex) => (deps.cluster as ClusterNode).snapshot(key, windowIndex)
      : (key, windowIndex) => Promise.resolve(windows.snapshot(key, windowIndex)),
    livePages: deps.cluster ? () => (deps.cluster as ClusterNode).pages() : () => Promise.resolve(windows.pages()),
    store,
    normalise: deps.normalise,
    bands: deps.bands,
    stats,
    team,
    serverName: deps.serverName,
    config: gridFacts(options, deps.bands),
    tokensRequired: () => tokens.authRequired(),
  };
  const metrics = createMetrics({
    gateway: gateway.counters,
    arrivals: windows.arrivals,
    store: store.counters,
    connections: () => gateway.connectionCount,
    viewers: () => fanout.viewerCount,
    liveKeys: () => windows.liveKeys,
    storageFailing: () => store.failure !== null,
    commitThread: () => store.committingOnThread,
    checkpointThread: () => store.checkpointingOnThread,
    skippedViewerUpdates: () => fanout.skipped,
    evictedAnchors: () => windows.evictedAnchors,
  });
  const snapshots: SnapshotDeps = {
    store: deps.snapshots,
    normalise: deps.normalise,
    bands: deps.bands,
    maxBytes: options.maxSnapshotBytes,
    allowOrigins: options.allowOrigins,
  };
  const dashboard = createDashboard(tokens, deps.secure, { bands: deps.bands, windowsMs: windows.windowsMs });
  const demo = options.demo ? sirv(DEMO_DIR, { extensions: ["html"], dev: false, etag: true }) : null;

  /** A fault of the companion's own on one request: logged and answered, and the companion serves the rest. */
  const fault = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    gateway.deps.log.error({ err: error, url: req.url }, "failed on a request");
    if (res.headersSent) res.destroy();
    else refuse(res, ErrorCode.internal, "the companion failed on this request; its log says why");
  };

  const request = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      serve(req, res);
    } catch (error) {
      fault(req, res, error);
    }
  };

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const misdirected = gateway.admission.hostRefusal(req);
    if (misdirected) return refuse(res, misdirected.code, misdirected.reason);
    const url = requestUrl(req);
    if (!url) return refuse(res, ErrorCode.schema, `the request target ${JSON.stringify(req.url)} is not a path`);
    // Before the role check: it answers why a token is refused.
    if (url.pathname === "/api/whoami") return whoami(req, res, tokens);
    if (url.pathname.startsWith("/api/") || url.pathname === "/metrics") {
      const verdict = authenticate(req, tokens, ["view"]);
      if (!verdict.ok) return refuse(res, verdict.code, verdict.reason);
    }
    if (url.pathname === "/metrics") {
      metrics.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": metrics.contentType });
          res.end(text);
        },
        (error) => fault(req, res, error),
      );
      return;
    }
    if (handleSnapshots(req, res, url, snapshots, fault) || handleApi(req, res, url, api)) return;
    if (demo && url.pathname === "/demo") {
      res.writeHead(301, { location: "/demo/" }).end();
      return;
    }
    if (demo && url.pathname.startsWith("/demo/")) {
      req.url = req.url?.slice("/demo".length) ?? "/";
      demo(req, res, () => refuse(res, ErrorCode.notFound, "no such demo page"));
      return;
    }
    if (dashboard(req, res, url, fault)) return;
    refuse(res, ErrorCode.notFound, `nothing at ${url.pathname}`);
  };

  const upgrade = (wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const misdirected = gateway.admission.hostRefusal(req);
    if (misdirected) return refuse(socket, misdirected.code, misdirected.reason);
    if (requestUrl(req)?.pathname !== "/ws") return refuse(socket, ErrorCode.notFound, "websockets are served at /ws");
    const verdict = gateway.admit(req);
    if (!verdict.ok) return refuse(socket, verdict.code, verdict.reason);
    const address = req.socket.remoteAddress ?? "";
    wss.handleUpgrade(req, socket, head, (ws) =>
      gateway.attach(ws, socket, verdict.token, address, req.headers["user-agent"]),
    );
  };

  return { request, upgrade };
}

/** The request's target as a URL; null when it is not a path (`//`, for one, names no host). */
function requestUrl(req: IncomingMessage): URL | null {
  // One parse (URL.parse, which returns null, needs Node 22).
  try {
    return new URL(req.url ?? "/", "http://companion");
  } catch {
    return null;
  }
}
