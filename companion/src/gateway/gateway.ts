/**
 * The gateway: the companion's websocket edge, composed of admission (who may
 * connect), connections (framing, hello, heartbeat, reply bounds), ingest
 * (batches, dedup, acks) and subscriptions. It owns the open connections and
 * closes those whose token was revoked.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { WidthBand } from "../../../protocol";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import { ErrorCode } from "../../../protocol/wire";
import type { TokenInfo, TokenStore } from "../auth/tokens";
import type { Bus } from "../bus/bus";
import type { Fanout } from "../fanout/fanout";
import type { CompanionOptions } from "../options";
import type { Topics } from "../pipeline";
import type { EventStore } from "../store/event-store";
import { Admission, type AdmissionVerdict } from "./admission";
import { type ConnectedClient, Connection } from "./connection";
import { type GatewayCounters, Ingest } from "./ingest";
import { Subscriptions } from "./subscriptions";

export type { GatewayCounters };

export interface GatewayDeps {
  options: CompanionOptions;
  bus: Bus<Topics>;
  fanout: Fanout;
  store: EventStore;
  tokens: TokenStore;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
  /** Whether a key is live in the window stage, and how many are. */
  keys: { isLive(key: string): boolean; readonly liveKeys: number };
  clock: () => number;
  log: {
    error(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  serverName: string;
}

export class Gateway {
  readonly admission: Admission;
  readonly ingest: Ingest;
  readonly subscriptions: Subscriptions;
  private readonly connections = new Set<Connection>();
  private tokenRevision: number;
  private revisionReadThisTurn = false;

  constructor(readonly deps: GatewayDeps) {
    this.admission = new Admission(deps.options, deps.tokens);
    this.ingest = new Ingest(deps);
    this.subscriptions = new Subscriptions(deps);
    this.tokenRevision = deps.tokens.revision();
  }

  get counters(): GatewayCounters {
    return this.ingest.counters;
  }

  /** Points accepted per second, over the last ten seconds. */
  get rate() {
    return this.ingest.rate;
  }

  /** Connected clients that said hello, for the dashboard. */
  connectedClients(): ConnectedClient[] {
    const out: ConnectedClient[] = [];
    for (const connection of this.connections) {
      const info = connection.describe();
      if (info) out.push(info);
    }
    return out;
  }

  /** Decides on an upgrade to `/ws` before any websocket data is read. */
  admit(request: IncomingMessage): AdmissionVerdict {
    return this.admission.admitUpgrade(request, this.connections);
  }

  /**
   * Serves an upgraded connection (`socket`: the one it was upgraded on),
   * allowed what `token` allows (everything while tokens are not required);
   * `userAgent` names its browser to the dashboard.
   */
  attach(ws: WebSocket, socket: Duplex, token: TokenInfo | null, address: string, userAgent?: string): void {
    const hold = this.admission.helloPending.hold(address);
    const connection = new Connection(ws, socket, this, token, address, hold, userAgent);
    this.connections.add(connection);
    ws.once("close", () => {
      connection.dispose();
      this.connections.delete(connection);
    });
  }

  /**
   * Closes connections whose token was revoked, or that hold none once tokens
   * are required; one read of the token revision when nothing changed.
   */
  checkRevocations(): void {
    // Read once per turn of the event loop, not per message: a token revoked while one turn's
    // messages are handled is refused from the next turn on.
    if (this.revisionReadThisTurn) return;
    this.revisionReadThisTurn = true;
    setImmediate(() => {
      this.revisionReadThisTurn = false;
    });
    const { tokens } = this.deps;
    const revision = tokens.revision();
    if (revision === this.tokenRevision) return;
    this.tokenRevision = revision;
    const revoked = tokens.revokedIds();
    const required = tokens.authRequired();
    for (const connection of this.connections) {
      const id = connection.tokenId;
      if (id !== null && revoked.has(id)) connection.fail(ErrorCode.unauthorized, "token revoked");
      else if (id === null && required) connection.fail(ErrorCode.unauthorized, "a token is now required");
    }
  }

  /** Pings every connection; one that did not answer the previous ping is closed. */
  heartbeat(): void {
    for (const connection of this.connections) connection.heartbeat();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.connections) connection.close(code, reason);
  }
}
