/**
 * Admission: who may talk to the companion at all, decided before any
 * websocket data is read. Every HTTP request and upgrade must name the
 * companion in its `Host` header (refuses DNS rebinding); an upgrade must come
 * from an extension or an allowed origin, within the connection caps, with a
 * valid token once tokens exist. It also counts, per address, connections
 * still sending their request headers and websockets not yet past hello.
 */
import type { IncomingMessage, Server } from "node:http";
import { isIP, type Socket } from "node:net";
import { hostname } from "node:os";
import { ErrorCode } from "../../../protocol/wire";
import { authenticate } from "../auth/authenticate";
import type { TokenInfo, TokenStore } from "../auth/tokens";
import type { CompanionOptions } from "../options";
import type { Refusal } from "./refuse";

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\//;

/** A web page's request (its `Origin` header) is refused unless `--allow-origin` names it; extensions and programs pass. */
export function originRefusal(req: IncomingMessage, allowOrigins: readonly string[]): Refusal | null {
  const origin = req.headers.origin;
  if (!origin || EXTENSION_ORIGIN.test(origin) || allowOrigins.includes(origin)) return null;
  return { code: ErrorCode.origin, reason: `origin ${origin} may not connect` };
}

/** An open websocket as admission counts it. */
export interface Admitted {
  readonly tokenId: string | null;
  readonly address: string;
}

export type AdmissionVerdict = { ok: true; token: TokenInfo | null } | ({ ok: false } & Refusal);

/** The name part of a `Host` header, lower-cased, without port, brackets or trailing dot. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

/** Counts pending connections per remote address. */
class PendingCounter {
  private readonly byAddress = new Map<string, number>();

  count(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  /** Counts one more for `address`; the returned function releases it (once, however often called). */
  hold(address: string): () => void {
    this.byAddress.set(address, this.count(address) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = this.count(address) - 1;
      if (n > 0) this.byAddress.set(address, n);
      else this.byAddress.delete(address);
    };
  }
}

export class Admission {
  /** Websockets per address that have not said hello. */
  readonly helloPending = new PendingCounter();
  private readonly names: Set<string>;

  constructor(
    private readonly options: CompanionOptions,
    private readonly tokens: TokenStore,
  ) {
    const machine = hostname().toLowerCase();
    this.names = new Set(
      [
        machine,
        // Without its domain, and as multicast DNS announces it.
        machine.split(".")[0] as string,
        `${machine.split(".")[0]}.local`,
        hostName(options.host),
        ...options.allowHosts.map(hostName),
      ].filter(Boolean),
    );
  }

  /** Whether a `Host` header names this companion: loopback names, IP literals, this machine, the bound host, `--allow-host`. */
  hostRefusal(req: IncomingMessage): Refusal | null {
    const header = req.headers.host;
    if (!header) return { code: ErrorCode.host, reason: "the request has no Host header" };
    const name = hostName(header);
    if (name === "localhost" || name.endsWith(".localhost") || isIP(name) !== 0 || this.names.has(name)) return null;
    return {
      code: ErrorCode.host,
      reason: `host ${name} is not a name of this companion; start it with --allow-host ${name} to serve it`,
    };
  }

  /** Decides on an upgrade to `/ws`, given the websockets already open. */
  admitUpgrade(req: IncomingMessage, open: ReadonlySet<Admitted>): AdmissionVerdict {
    const { options } = this;
    const refused = originRefusal(req, options.allowOrigins);
    if (refused) return { ok: false, ...refused };
    if (open.size >= options.maxConnections) {
      return { ok: false, code: ErrorCode.capacity, reason: "too many connections" };
    }
    const address = req.socket.remoteAddress ?? "";
    if (this.helloPending.count(address) >= options.maxPendingPerAddress) {
      return { ok: false, code: ErrorCode.connections, reason: `too many connections from ${address} before hello` };
    }
    const verdict = authenticate(req, this.tokens, ["capture", "view"]);
    if (!verdict.ok) return { ok: false, code: verdict.code, reason: verdict.reason };
    if (verdict.token) {
      const id = verdict.token.id;
      let same = 0;
      for (const connection of open) if (connection.tokenId === id) same++;
      if (same >= options.maxConnectionsPerToken) {
        return { ok: false, code: ErrorCode.connections, reason: "too many connections with this token" };
      }
    }
    return verdict;
  }
}

/** Node's HTTP server options that enforce `--headers-timeout`, checked often enough to hold it. */
export function headersTimeouts({ headersTimeoutMs }: Pick<CompanionOptions, "headersTimeoutMs">) {
  return {
    headersTimeout: headersTimeoutMs,
    // The API serves GETs only: a whole request is its headers.
    requestTimeout: headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeoutMs / 4)),
  };
}

/**
 * Caps the connections of one address that have not finished their request
 * headers: past `--max-pending-per-address` a new one is closed at once.
 * Returns the function that marks a request's headers complete.
 */
export function capPendingHeaders(
  server: Server,
  options: Pick<CompanionOptions, "maxPendingPerAddress">,
  secure: boolean,
): (socket: Socket) => void {
  const pending = new PendingCounter();
  const release = new WeakMap<Socket, () => void>();
  // Over TLS the request arrives on the TLS socket, once its handshake is done.
  server.on(secure ? "secureConnection" : "connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "";
    if (pending.count(address) >= options.maxPendingPerAddress) {
      socket.destroy();
      return;
    }
    const done = pending.hold(address);
    release.set(socket, done);
    socket.once("close", done);
  });
  return (socket) => release.get(socket)?.();
}
