/**
 * Routes HTTP requests: the Host check first (for every path), then the view
 * role for `/api/*` and `/metrics`, then the API, the demo shop and the
 * dashboard. Websocket upgrades are routed to the gateway.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { ErrorCode } from "../../../protocol/wire";
import { authenticate } from "../auth/authenticate";
import type { TokenStore } from "../auth/tokens";
import type { Gateway } from "../gateway/gateway";
import { refuse } from "../gateway/refuse";
import { type ApiDeps, handleApi } from "./api";
import type { createDashboard } from "./dashboard";
import type { createMetrics } from "./metrics";

export interface RouterDeps {
  gateway: Gateway;
  tokens: TokenStore;
  api: ApiDeps;
  metrics: ReturnType<typeof createMetrics>;
  dashboard: ReturnType<typeof createDashboard>;
  /** Serves the demo shop's files, or null without `--demo`. */
  demo: ((req: IncomingMessage, res: ServerResponse, next: () => void) => void) | null;
}

export function createRouter({ gateway, tokens, api, metrics, dashboard, demo }: RouterDeps) {
  const request = (req: IncomingMessage, res: ServerResponse): void => {
    const misdirected = gateway.admission.hostRefusal(req);
    if (misdirected) return refuse(res, misdirected.code, misdirected.reason);
    const url = new URL(req.url ?? "/", "http://companion");
    if (url.pathname.startsWith("/api/") || url.pathname === "/metrics") {
      const verdict = authenticate(req, tokens, ["view"]);
      if (!verdict.ok) return refuse(res, verdict.code, verdict.reason);
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
      demo(req, res, () => refuse(res, ErrorCode.notFound, "no such demo page"));
      return;
    }
    if (dashboard(req, res, url)) return;
    refuse(res, ErrorCode.notFound, `nothing at ${url.pathname}`);
  };

  const upgrade = (wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const misdirected = gateway.admission.hostRefusal(req);
    if (misdirected) return refuse(socket, misdirected.code, misdirected.reason);
    const url = new URL(req.url ?? "/", "http://companion");
    if (url.pathname !== "/ws") return refuse(socket, ErrorCode.notFound, "websockets are served at /ws");
    const verdict = gateway.admit(req);
    if (!verdict.ok) return refuse(socket, verdict.code, verdict.reason);
    const address = req.socket.remoteAddress ?? "";
    wss.handleUpgrade(req, socket, head, (ws) => gateway.attach(ws, verdict.token, address));
  };

  return { request, upgrade };
}
