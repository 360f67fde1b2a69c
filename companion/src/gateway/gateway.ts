/**
 * The gateway: the companion's websocket edge. It checks where a connection
 * comes from, waits for a versioned hello, validates every frame against the
 * protocol schemas, bins points into keyed cells on the companion's clock,
 * publishes them on the bus and acknowledges each batch. Viewers subscribe to
 * keys here; the fan-out delivers their grids.
 */
import type { IncomingMessage } from "node:http";
import { WebSocket, type WebSocketServer } from "ws";
import { bandFor, colOf, columnChoicesReason, FLAG_FIXED, packCell, rowOf, type WidthBand } from "../../../protocol";
import { makeKey, splitKey } from "../../../protocol/page-key";
import { requestId, type SubscriptionRequest, type View, viewId } from "../../../protocol/subscription";
import {
  type Batch,
  ClientMessage,
  Close,
  describeIssues,
  ErrorCode,
  FLAG_CLICK,
  type Hello,
  PROTOCOL_VERSION,
  type ServerMessage,
} from "../../../protocol/wire";
import { authenticate } from "../auth/authenticate";
import { hasRole, type Role, type TokenInfo, type TokenStore } from "../auth/tokens";
import type { Bus } from "../bus/bus";
import type { Fanout, Viewer } from "../fanout/fanout";
import { gridFacts } from "../grid-facts";
import type { PathNormaliser } from "../key/normalise-path";
import type { CompanionOptions } from "../options";
import type { KeyedPoints, Topics } from "../pipeline";
import type { EventStore } from "../store/event-store";
import { type ClientState, ClockOffset, PointBudget, SeqDedup } from "./client-state";
import { RateMeter } from "./rate-meter";

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
  log: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  serverName: string;
}

export interface GatewayCounters {
  batches: number;
  points: number;
  clicks: number;
  duplicates: number;
  rejected: number;
  closedForErrors: number;
}

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension|safari-web-extension):\/\//;

export class Gateway {
  readonly counters: GatewayCounters = {
    batches: 0,
    points: 0,
    clicks: 0,
    duplicates: 0,
    rejected: 0,
    closedForErrors: 0,
  };
  private readonly clients = new Map<string, ClientState>();
  private readonly connections = new Set<Connection>();
  /** Points accepted per second, over the last ten seconds. */
  readonly rate: RateMeter;

  constructor(private readonly deps: GatewayDeps) {
    this.rate = new RateMeter(10, deps.clock);
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

  /**
   * Decides on an HTTP upgrade before any websocket data is read: page origins
   * are refused so that no web page can feed or read the companion.
   */
  admit(
    request: IncomingMessage,
  ): { ok: true; token: TokenInfo | null } | { ok: false; status: number; code: ErrorCode; reason: string } {
    const origin = request.headers.origin;
    if (origin && !EXTENSION_ORIGIN.test(origin) && !this.deps.options.allowOrigins.includes(origin)) {
      return { ok: false, status: 403, code: ErrorCode.origin, reason: `origin ${origin} may not connect` };
    }
    if (this.connections.size >= this.deps.options.maxConnections) {
      return { ok: false, status: 503, code: ErrorCode.connections, reason: "too many connections" };
    }
    const verdict = authenticate(request, this.deps.tokens, ["capture", "view"]);
    if (verdict.ok && verdict.token) {
      const id = verdict.token.id;
      let open = 0;
      for (const connection of this.connections) if (connection.tokenId === id) open++;
      if (open >= this.deps.options.maxConnectionsPerToken) {
        return { ok: false, status: 429, code: ErrorCode.connections, reason: "too many connections with this token" };
      }
    }
    return verdict;
  }

  /** Serves an upgraded connection, allowed what `token` allows (everything while no token exists). */
  attach(ws: WebSocket, token: TokenInfo | null): void {
    const connection = new Connection(ws, this, this.deps, token);
    this.connections.add(connection);
    ws.once("close", () => {
      connection.dispose();
      this.connections.delete(connection);
    });
  }

  /** Pings every connection; one that did not answer the previous ping is closed. */
  heartbeat(): void {
    for (const connection of this.connections) connection.heartbeat();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  clientState(id: string): ClientState {
    let state = this.clients.get(id);
    if (!state) {
      const { maxEventsPerSecond, rateBurstSeconds } = this.deps.options;
      state = {
        dedup: new SeqDedup(),
        budget: new PointBudget(maxEventsPerSecond, maxEventsPerSecond * rateBurstSeconds, this.deps.clock()),
        clock: new ClockOffset(),
        keys: new Set(),
      };
      this.clients.set(id, state);
    }
    return state;
  }

  closeAll(code: number, reason: string): void {
    for (const connection of this.connections) connection.close(code, reason);
  }
}

/** A connected client, as the team dashboard shows it. */
export interface ConnectedClient {
  client: string;
  name: string;
  connectedAt: number;
  points: number;
  pointsPerSecond: number;
  watching: number;
}

class Connection implements Viewer {
  readonly connectedAt: number;
  private points = 0;
  private readonly rate: RateMeter;
  private hello: Hello | null = null;
  private client: ClientState | null = null;
  private alive = true;
  private readonly helloTimer: NodeJS.Timeout;
  /**
   * This connection's views, by `viewId`, each with the requests that resolved
   * to it (by `requestId`): a view is left when its last request is withdrawn.
   */
  private readonly watching = new Map<string, { view: View; requests: Set<string> }>();

  constructor(
    private readonly ws: WebSocket,
    private readonly gateway: Gateway,
    private readonly deps: GatewayDeps,
    private readonly token: TokenInfo | null,
  ) {
    this.connectedAt = deps.clock();
    this.rate = new RateMeter(10, deps.clock);
    this.helloTimer = setTimeout(
      () => this.fail(Close.helloTimeout, ErrorCode.helloTimeout, "no hello received in time"),
      deps.options.helloTimeoutMs,
    );
    ws.on("message", (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.on("error", (error) => deps.log.debug({ err: error.message }, "websocket error"));
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get tokenId(): string | null {
    return this.token?.id ?? null;
  }

  /** Null until the client said hello. */
  describe(): ConnectedClient | null {
    if (!this.hello) return null;
    return {
      client: this.hello.client,
      name: this.hello.name || this.token?.name || "",
      connectedAt: this.connectedAt,
      points: this.points,
      pointsPerSecond: this.rate.perSecond,
      watching: this.requestCount(),
    };
  }

  send(data: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  dispose(): void {
    clearTimeout(this.helloTimer);
    for (const { view } of this.watching.values()) this.deps.fanout.unsubscribeViewer(this, view);
    this.watching.clear();
  }

  private reply(message: ServerMessage): void {
    this.send(JSON.stringify(message));
  }

  private fail(closeCode: number, code: ErrorCode, reason: string): void {
    this.gateway.counters.closedForErrors++;
    this.deps.log.debug({ code, reason }, "closing connection");
    // Close reasons are limited to 123 bytes.
    this.ws.close(closeCode, Buffer.from(`${code}: ${reason}`).subarray(0, 123).toString());
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.fail(Close.invalidPayload, ErrorCode.badJson, "binary frames are not accepted");
    let json: unknown;
    try {
      json = JSON.parse(data.toString("utf8"));
    } catch {
      return this.fail(Close.invalidPayload, ErrorCode.badJson, "frame is not valid JSON");
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const seq = batchSeq(json);
      // A well-formed batch with bad content is refused alone, so the client can drop it.
      if (seq !== null && this.hello) {
        this.gateway.counters.rejected++;
        return this.reply({
          type: "nack",
          seq,
          code: ErrorCode.schema,
          reason: describeIssues(parsed.error),
          retry: false,
        });
      }
      return this.fail(Close.protocolError, ErrorCode.schema, describeIssues(parsed.error));
    }
    const message = parsed.data;
    if (message.type === "hello") return this.onHello(message);
    if (!this.hello) return this.fail(Close.protocolError, ErrorCode.helloFirst, "the first message must be hello");
    switch (message.type) {
      case "batch":
        return this.onBatch(message);
      case "subscribe":
        return this.onSubscribe(message);
      case "unsubscribe":
        return this.onUnsubscribe(message);
      case "ping":
        return this.reply({ type: "pong", t: message.t, time: this.deps.clock() });
    }
  }

  private onHello(hello: Hello): void {
    if (this.hello) return this.fail(Close.protocolError, ErrorCode.schema, "hello was already received");
    if (hello.v !== PROTOCOL_VERSION) {
      return this.fail(
        Close.unsupportedVersion,
        ErrorCode.version,
        `protocol version ${hello.v} is not supported; this companion speaks ${PROTOCOL_VERSION}`,
      );
    }
    clearTimeout(this.helloTimer);
    this.hello = hello;
    this.client = this.gateway.clientState(hello.client);
    const { options, bands } = this.deps;
    this.reply({
      type: "welcome",
      v: PROTOCOL_VERSION,
      server: this.deps.serverName,
      time: this.deps.clock(),
      ...gridFacts(options, bands),
    });
  }

  private onBatch(batch: Batch): void {
    const client = this.client as ClientState;
    const { options } = this.deps;
    const now = this.deps.clock();
    const { seq } = batch;
    if (!this.allowed("capture")) {
      this.gateway.counters.rejected++;
      return this.reply({
        type: "nack",
        seq,
        code: ErrorCode.forbidden,
        reason: "this token may not capture",
        retry: false,
      });
    }
    if (client.dedup.has(seq)) {
      this.gateway.counters.duplicates++;
      return this.reply({ type: "ack", seq, points: 0, duplicate: true });
    }
    const nack = (code: ErrorCode, reason: string, retry: boolean) => {
      this.gateway.counters.rejected++;
      this.reply({ type: "nack", seq, code, reason, retry });
    };

    let points = 0;
    for (const page of batch.pages) points += page.pts.length / 4;
    if (points > options.maxPointsPerBatch) {
      return nack(ErrorCode.tooBig, `batch holds ${points} points; the limit is ${options.maxPointsPerBatch}`, false);
    }

    // Bin every point before publishing any, so a refused batch leaves nothing behind.
    const groups = new Map<string, KeyedPoints>();
    const newKeys = new Set<string>();
    let clicks = 0;
    client.clock.observe(batch.sentAt, now);
    const offset = client.clock.offset;
    for (const page of batch.pages) {
      const band = bandFor(page.w, this.deps.bands);
      const key = makeKey(band.id, page.origin, this.deps.normalise(page.path));
      let group = groups.get(key);
      if (!group) {
        group = { key, times: [], cells: [] };
        groups.set(key, group);
        if (!this.deps.keys.isLive(key)) newKeys.add(key);
      }
      const { pts, t0, w } = page;
      for (let i = 0; i < pts.length; i += 4) {
        const flags = pts[i + 3] as number;
        const col = colOf(pts[i + 1] as number, w, options.cols);
        const row = rowOf(pts[i + 2] as number, w, options.cols);
        if (row >= options.maxRows) {
          return nack(ErrorCode.schema, `point ${i / 4} of ${page.path} is below row ${options.maxRows}`, false);
        }
        group.times.push(t0 + (pts[i] as number) + offset);
        group.cells.push(packCell(col, row, flags & FLAG_FIXED ? "fixed" : "doc", options.cols));
        if (flags & FLAG_CLICK) clicks++;
      }
    }

    if (newKeys.size > 0) {
      if (this.deps.keys.liveKeys + newKeys.size > options.maxKeys) {
        return nack(ErrorCode.keys, `the companion already holds ${options.maxKeys} live pages`, true);
      }
      for (const key of client.keys) if (!this.deps.keys.isLive(key)) client.keys.delete(key);
      if (client.keys.size + newKeys.size > options.maxKeysPerClient) {
        return nack(ErrorCode.keys, `this client already feeds ${options.maxKeysPerClient} live pages`, true);
      }
    }
    if (!client.budget.take(points, now)) {
      return nack(ErrorCode.rate, `more than ${options.maxEventsPerSecond} points per second`, true);
    }

    for (const key of newKeys) client.keys.add(key);
    const clientId = (this.hello as Hello).client;
    const stored = { client: clientId, seq, groups: [...groups.values()] };
    // Acknowledged and counted only once durable; a batch stored before (resent after a lost ack) counts once.
    this.deps.store.append(stored).then(
      (duplicate) => {
        client.dedup.add(seq);
        if (duplicate) {
          this.gateway.counters.duplicates++;
          return this.reply({ type: "ack", seq, points: 0, duplicate: true });
        }
        this.deps.bus.publish("points", { client: clientId, groups: stored.groups });
        this.gateway.counters.batches++;
        this.gateway.counters.points += points;
        this.points += points;
        this.rate.add(points);
        this.gateway.rate.add(points);
        this.gateway.counters.clicks += clicks;
        this.reply({ type: "ack", seq, points, duplicate: false });
      },
      (error: Error & { code?: string }) =>
        nack(ErrorCode.storage, `storage unavailable (${error.code ?? "error"}); keep the batch and retry`, true),
    );
  }

  private allowed(role: Role): boolean {
    return this.token === null || hasRole(this.token, role);
  }

  private onSubscribe(message: SubscriptionRequest): void {
    if (!this.allowed("view")) {
      return this.reply({ type: "error", code: ErrorCode.forbidden, reason: "this token may not view grids" });
    }
    const view = this.resolveWatch(message);
    const { key, windowMs, cols } = view;
    if (!this.deps.options.windowsMs.includes(windowMs)) {
      return this.reply({
        type: "error",
        code: ErrorCode.schema,
        reason: `windowMs must be one of ${this.deps.options.windowsMs.join(", ")}`,
      });
    }
    if (this.deps.options.cols % cols !== 0) {
      return this.reply({
        type: "error",
        code: ErrorCode.cols,
        reason: columnChoicesReason(this.deps.options.cols),
      });
    }
    const request = requestId(message);
    const held = this.watching.get(viewId(view));
    if (!held?.requests.has(request)) {
      if (this.requestCount() >= this.deps.options.maxSubscriptionsPerConnection) {
        return this.reply({
          type: "error",
          code: ErrorCode.subscriptions,
          reason: "too many subscriptions on this connection",
        });
      }
      if (!held && !this.deps.fanout.hasRoom(key, windowMs)) {
        return this.reply({ type: "error", code: ErrorCode.subscriptions, reason: "this page has too many viewers" });
      }
    }
    const { band, origin, path } = splitKey(key);
    const { origin: o, path: p, width, windowMs: w, cols: c } = message;
    // Every request is confirmed, first, so that the client knows the key of the grid that follows at once.
    this.reply({
      type: "subscribed",
      request: { origin: o, path: p, width, windowMs: w, cols: c },
      origin,
      path,
      band,
      windowMs,
      cols,
    });
    if (held) {
      held.requests.add(request);
      // The view's grids already come to this connection: the new request gets the current one now.
      return this.deps.fanout.resend(this, view);
    }
    this.watching.set(viewId(view), { view, requests: new Set([request]) });
    this.deps.fanout.subscribe(this, view);
  }

  private onUnsubscribe(message: SubscriptionRequest): void {
    const view = this.resolveWatch(message);
    const held = this.watching.get(viewId(view));
    // Other requests for the same view (another tab at another width of the band) keep it.
    if (!held?.requests.delete(requestId(message)) || held.requests.size > 0) return;
    this.watching.delete(viewId(view));
    this.deps.fanout.unsubscribeViewer(this, view);
  }

  private requestCount(): number {
    let n = 0;
    for (const { requests } of this.watching.values()) n += requests.size;
    return n;
  }

  private resolveWatch(message: SubscriptionRequest): View {
    const band = bandFor(message.width, this.deps.bands);
    return {
      key: makeKey(band.id, message.origin, this.deps.normalise(message.path)),
      windowMs: message.windowMs ?? this.deps.options.defaultWindowMs,
      cols: message.cols ?? this.deps.options.cols,
    };
  }
}

/** The seq of something shaped like a batch, so that a bad batch can be refused alone. */
function batchSeq(json: unknown): number | null {
  if (typeof json !== "object" || json === null) return null;
  const { type, seq } = json as { type?: unknown; seq?: unknown };
  return type === "batch" && Number.isSafeInteger(seq) && (seq as number) >= 0 ? (seq as number) : null;
}

/** Close reasons for the errors `ws` detects itself (it closes without one). */
const FRAME_ERRORS: Record<number, string> = {
  [Close.protocolError]: "E_FRAME: malformed websocket frame",
  [Close.invalidPayload]: "E_UTF8: text frame is not valid UTF-8",
  [Close.tooBig]: "E_TOO_BIG: message exceeds the companion's maxFrameBytes",
  [Close.policy]: "E_FRAGMENTS: message split into more fragments than maxFragments",
};

/** A WebSocket that gives a reason to the closes `ws` makes on frame errors. */
export class ReasonedWebSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    super.close(code, reason ?? (code !== undefined ? FRAME_ERRORS[code] : undefined));
  }
}

export type { WebSocketServer };
