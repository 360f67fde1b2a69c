/**
 * Subscriptions: a viewer asks for a page's grid at its width, in one of the
 * served windows, at a number of columns; the fan-out then delivers every
 * change. A connection's subscriptions are dropped when it closes.
 */
import { bandFor, columnChoicesReason, type WidthBand } from "../../../protocol";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import { makeKey, splitKey } from "../../../protocol/page-key";
import { requestId, type SubscriptionRequest, type View, viewId } from "../../../protocol/subscription";
import { ErrorCode, type ServerMessage } from "../../../protocol/wire";
import type { Fanout, Viewer } from "../fanout/fanout";
import type { CompanionOptions } from "../options";

export interface SubscriptionsDeps {
  options: CompanionOptions;
  fanout: Fanout;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
}

export interface WatchedView {
  view: View;
  requests: Set<string>;
}

/** What subscriptions need of the connection a request came on. */
export interface Watcher extends Viewer {
  /**
   * This connection's views, by `viewId`, each with the requests that resolved
   * to it (by `requestId`): a view is left when its last request is withdrawn.
   */
  readonly watching: Map<string, WatchedView>;
  allowed(role: "view"): boolean;
  reply(message: ServerMessage): void;
}

export class Subscriptions {
  constructor(private readonly deps: SubscriptionsDeps) {}

  onSubscribe(connection: Watcher, message: SubscriptionRequest): void {
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
    const request = requestId(message);
    const held = connection.watching.get(viewId(view));
    if (!held?.requests.has(request)) {
      if (requestCount(connection) >= this.deps.options.maxSubscriptionsPerConnection) {
        return connection.reply({
          type: "error",
          code: ErrorCode.subscriptions,
          reason: "too many subscriptions on this connection",
        });
      }
      if (!held && !this.deps.fanout.hasRoom(key, windowMs)) {
        return connection.reply({
          type: "error",
          code: ErrorCode.subscriptions,
          reason: "this page has too many viewers",
        });
      }
    }
    const { band, origin, path } = splitKey(key);
    const { origin: o, path: p, width, windowMs: w, cols: c } = message;
    // Every request is confirmed, first, so that the client knows the key of the grid that follows at once.
    connection.reply({
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
      return this.deps.fanout.resend(connection, view);
    }
    connection.watching.set(viewId(view), { view, requests: new Set([request]) });
    this.deps.fanout.subscribe(connection, view);
  }

  onUnsubscribe(connection: Watcher, message: SubscriptionRequest): void {
    const view = this.resolveWatch(message);
    const held = connection.watching.get(viewId(view));
    // Other requests for the same view (another tab at another width of the band) keep it.
    if (!held?.requests.delete(requestId(message)) || held.requests.size > 0) return;
    connection.watching.delete(viewId(view));
    this.deps.fanout.unsubscribeViewer(connection, view);
  }

  /** Drops every subscription of a closing connection. */
  dropAll(connection: Watcher): void {
    for (const { view } of connection.watching.values()) this.deps.fanout.unsubscribeViewer(connection, view);
    connection.watching.clear();
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

/** Requests a connection holds, over all its views. */
export function requestCount(connection: Pick<Watcher, "watching">): number {
  let n = 0;
  for (const { requests } of connection.watching.values()) n += requests.size;
  return n;
}
