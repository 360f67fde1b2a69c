/**
 * Subscriptions: a viewer asks for a page's grid at its width, in one of the
 * served windows, at a number of columns; the fan-out then delivers every
 * change. A connection's subscriptions are dropped when it closes.
 */
import { bandFor, columnChoicesReason, type WidthBand } from "../../../protocol";
import { ErrorCode, type ServerMessage, type Subscribe } from "../../../protocol/wire";
import type { Fanout, View, Viewer } from "../fanout/fanout";
import type { PathNormaliser } from "../key/normalise-path";
import type { CompanionOptions } from "../options";
import { makeKey, splitKey } from "../pipeline";

export interface SubscriptionsDeps {
  options: CompanionOptions;
  fanout: Fanout;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
}

/** What subscriptions need of the connection a request came on. */
export interface Watcher extends Viewer {
  /** This connection's subscriptions, by `watchId`. */
  readonly watching: Map<string, View>;
  allowed(role: "view"): boolean;
  reply(message: ServerMessage): void;
}

export class Subscriptions {
  constructor(private readonly deps: SubscriptionsDeps) {}

  onSubscribe(connection: Watcher, message: Subscribe): void {
    if (!connection.allowed("view")) {
      return connection.reply({ type: "error", code: ErrorCode.forbidden, reason: "this token may not view grids" });
    }
    const view = this.resolveWatch(message);
    const { key, windowMs, cols } = view;
    if (!this.deps.options.windowsMs.includes(windowMs)) {
      return connection.reply({
        type: "error",
        code: ErrorCode.schema,
        reason: `windowMs must be one of ${this.deps.options.windowsMs.join(", ")}`,
      });
    }
    if (this.deps.options.cols % cols !== 0) {
      return connection.reply({
        type: "error",
        code: ErrorCode.cols,
        reason: columnChoicesReason(this.deps.options.cols),
      });
    }
    const id = watchId(view);
    if (connection.watching.has(id)) return;
    if (connection.watching.size >= this.deps.options.maxSubscriptionsPerConnection) {
      return connection.reply({
        type: "error",
        code: ErrorCode.subscriptions,
        reason: "too many subscriptions on this connection",
      });
    }
    if (!this.deps.fanout.hasRoom(key, windowMs)) {
      return connection.reply({
        type: "error",
        code: ErrorCode.subscriptions,
        reason: "this page has too many viewers",
      });
    }
    const { band, path } = splitKey(key);
    // Confirmed first, so that the client knows the key of the grid that follows at once.
    connection.reply({
      type: "subscribed",
      request: { path: message.path, width: message.width, windowMs: message.windowMs, cols: message.cols },
      path,
      band,
      windowMs,
      cols,
    });
    connection.watching.set(id, view);
    this.deps.fanout.subscribe(connection, view);
  }

  onUnsubscribe(connection: Watcher, message: Omit<Subscribe, "type">): void {
    const view = this.resolveWatch(message);
    connection.watching.delete(watchId(view));
    this.deps.fanout.unsubscribeViewer(connection, view);
  }

  /** Drops every subscription of a closing connection. */
  dropAll(connection: Watcher): void {
    for (const view of connection.watching.values()) this.deps.fanout.unsubscribeViewer(connection, view);
    connection.watching.clear();
  }

  private resolveWatch(message: Omit<Subscribe, "type">): View {
    const band = bandFor(message.width, this.deps.bands);
    return {
      key: makeKey(band.id, this.deps.normalise(message.path)),
      windowMs: message.windowMs ?? this.deps.options.defaultWindowMs,
      cols: message.cols ?? this.deps.options.cols,
    };
  }
}

function watchId({ key, windowMs, cols }: View): string {
  return `${windowMs} ${cols} ${key}`;
}
