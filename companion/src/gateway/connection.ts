/**
 * One websocket connection: reads and validates its frames, waits for a
 * versioned hello (in time), answers pings and the heartbeat, and hands
 * batches to ingest and subscriptions to the subscription stage, and keeps the
 * client's last `status` (capture paused) for the testers list. Its unsent
 * replies are bounded: a client that stops reading is closed, not buffered for.
 */
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { type PageKey, splitKey } from "../../../protocol/page-key";
import {
  Close,
  describeIssues,
  ErrorCode,
  type Hello,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerMessage,
} from "../../../protocol/wire";
import { hasRole, type Role, type TokenInfo } from "../auth/tokens";
import { gridFacts } from "../grid-facts";
import type { ClientState } from "./client-state";
import type { Gateway } from "./gateway";
import { RateMeter } from "./rate-meter";
import { closeReason, refuse } from "./refuse";
import { requestCount, type WatchedView } from "./subscriptions";
import { browserName, RecentKeys } from "./testers";

/** A connected client, as the team dashboard shows it. */
export interface ConnectedClient {
  client: string;
  name: string;
  connectedAt: number;
  points: number;
  pointsPerSecond: number;
  watching: number;
  /** From the upgrade's User-Agent, e.g. "Chrome 131"; "" when it sent none. */
  browser: string;
  /** The pages it sent points for in the last 30 s. */
  pages: PageKey[];
  /** Whether capture is paused in its browser (its last `status`); null until it says. */
  paused: boolean | null;
}

export class Connection {
  readonly connectedAt: number;
  readonly watching = new Map<string, WatchedView>();
  hello: Hello | null = null;
  client: ClientState | null = null;
  private points = 0;
  private paused: boolean | null = null;
  private readonly rate: RateMeter;
  private readonly recentPages = new RecentKeys();
  private readonly browser: string;
  private alive = true;
  private closing = false;
  /** Whether this turn's replies are held back to leave in one write. */
  private corked = false;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    /** The socket `ws` runs on: corked while a turn's replies are written. */
    private readonly socket: Duplex,
    private readonly gateway: Gateway,
    private readonly token: TokenInfo | null,
    readonly address: string,
    /** Releases this connection's place among its address's connections not past hello. */
    private readonly releasePending: () => void,
    userAgent: string | undefined,
  ) {
    const { clock, options } = gateway.deps;
    this.connectedAt = clock();
    this.browser = browserName(userAgent);
    this.rate = new RateMeter(10, clock);
    this.helloTimer = setTimeout(
      () => this.fail(ErrorCode.helloTimeout, "no hello received in time"),
      options.helloTimeoutMs,
    );
    ws.on("message", (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on("pong", () => {
      this.alive = true;
    });
    ws.on("error", (error) => {
      gateway.deps.log.debug({ err: error.message }, "websocket error");
      // A frame the client got wrong (too big, not UTF-8, malformed, in too many fragments): `ws` closes for it.
      if (this.closing) return;
      this.closing = true;
      gateway.ingest.counters.closedForErrors++;
    });
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
      watching: requestCount(this),
      browser: this.browser,
      pages: this.recentPages.keys(this.gateway.deps.clock()).map(splitKey),
      paused: this.paused,
    };
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.closing;
  }

  /** Sends unless the client has left more than `--max-reply-buffer-bytes` unread: then it is closed. */
  send(data: string): void {
    if (this.ws.readyState !== WebSocket.OPEN || this.closing) return;
    const limit = this.gateway.deps.options.maxReplyBufferBytes;
    if (this.ws.bufferedAmount + data.length > limit) {
      return this.fail(ErrorCode.backpressure, `more than ${limit} bytes of replies unread`);
    }
    this.cork();
    this.ws.send(data);
  }

  /**
   * Holds the socket's writes until the end of this turn, so that the replies
   * written in it (the acks of one commit, mostly) leave in one system call
   * rather than one each.
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  reply(message: ServerMessage): void {
    this.send(JSON.stringify(message));
  }

  allowed(role: Role): boolean {
    return this.token === null || hasRole(this.token, role);
  }

  accepted(points: number, keys: Iterable<string>): void {
    this.points += points;
    this.rate.add(points);
    this.recentPages.touch(keys, this.gateway.deps.clock());
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
    this.closing = true;
    this.ws.close(code, reason);
  }

  /** Closes the connection for an error: the close code comes from the error code. */
  fail(code: ErrorCode, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.gateway.ingest.counters.closedForErrors++;
    this.gateway.deps.log.debug({ code, reason, reasonSent: closeReason(code, reason) }, "closing connection");
    refuse(this.ws, code, reason);
  }

  dispose(): void {
    clearTimeout(this.helloTimer);
    this.releasePending();
    this.gateway.subscriptions.dropAll(this);
  }

  /**
   * One message, whatever it holds: a fault of the companion's on it closes
   * this connection (E_INTERNAL, logged), never the companion and the rest
   * of the team's connections. Its batch is not acknowledged: the client
   * keeps it.
   */
  private onMessage(data: Buffer, isBinary: boolean): void {
    try {
      this.handle(data, isBinary);
    } catch (error) {
      this.gateway.deps.log.error({ err: error }, "failed on a client's message");
      this.fail(ErrorCode.internal, "the companion failed on this message; its log says why");
    }
  }

  private handle(data: Buffer, isBinary: boolean): void {
    // A revoked token is refused from its next message.
    this.gateway.checkRevocations();
    if (this.closing) return;
    if (isBinary) return this.fail(ErrorCode.badJson, "binary frames are not accepted");
    let json: unknown;
    try {
      json = JSON.parse(data.toString("utf8"));
    } catch {
      return this.fail(ErrorCode.badJson, "frame is not valid JSON");
    }
    const parsed = parseClientMessage(json);
    if (!parsed.success) {
      const seq = batchSeq(json);
      // A well-formed batch with bad content is refused alone, so the client can drop it.
      if (seq !== null && this.hello) {
        this.gateway.ingest.counters.rejected++;
        return this.reply({
          type: "nack",
          seq,
          code: ErrorCode.schema,
          reason: describeIssues(parsed.error),
          retry: false,
        });
      }
      // So is a subscribe: answered with an error, the connection (and the points it carries) left open.
      if (this.hello && (json as { type?: unknown } | null)?.type === "subscribe") {
        return this.reply({ type: "error", code: ErrorCode.schema, reason: describeIssues(parsed.error) });
      }
      return this.fail(ErrorCode.schema, describeIssues(parsed.error));
    }
    const message = parsed.data;
    if (message.type === "hello") return this.onHello(message);
    if (!this.hello) return this.fail(ErrorCode.helloFirst, "the first message must be hello");
    switch (message.type) {
      case "batch":
        return this.gateway.ingest.onBatch(this, message);
      case "subscribe":
        return this.gateway.subscriptions.onSubscribe(this, message);
      case "unsubscribe":
        return this.gateway.subscriptions.onUnsubscribe(this, message);
      case "ping":
        return this.reply({ type: "pong", t: message.t, time: this.gateway.deps.clock() });
      case "status":
        this.paused = message.paused;
        return;
    }
  }

  private onHello(hello: Hello): void {
    if (this.hello) return this.fail(ErrorCode.schema, "hello was already received");
    if (hello.v !== PROTOCOL_VERSION) {
      return this.fail(
        ErrorCode.version,
        `protocol version ${hello.v} is not supported; this companion speaks ${PROTOCOL_VERSION}`,
      );
    }
    clearTimeout(this.helloTimer);
    this.releasePending();
    this.hello = hello;
    this.client = this.gateway.ingest.clientState(hello.client);
    const { options, bands, clock, serverName } = this.gateway.deps;
    this.reply({
      type: "welcome",
      v: PROTOCOL_VERSION,
      server: serverName,
      time: clock(),
      ...gridFacts(options, bands),
    });
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
  [Close.protocolError]: closeReason(ErrorCode.frame, "malformed websocket frame"),
  [Close.invalidPayload]: closeReason(ErrorCode.utf8, "text frame is not valid UTF-8"),
  [Close.tooBig]: closeReason(ErrorCode.tooBig, "message exceeds the companion's maxFrameBytes"),
  [Close.policy]: closeReason(ErrorCode.fragments, "message split into more fragments than maxFragments"),
};

/** A WebSocket that gives a reason to the closes `ws` makes on frame errors. */
export class ReasonedWebSocket extends WebSocket {
  override close(code?: number, reason?: string | Buffer): void {
    super.close(code, reason ?? (code !== undefined ? FRAME_ERRORS[code] : undefined));
  }
}
