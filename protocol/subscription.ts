/**
 * A subscription's identity, for every part that holds one: the request a
 * viewer makes (a page at its layout width, a window, columns) and the view
 * the companion resolves it to (page key with its band, window, columns).
 * Many requests can resolve to one view (1280 and 1366 px are both
 * `desktop`): the companion answers each request, sends each view's grids
 * once per connection, and keeps a view while any request for it remains.
 */
import { z } from "zod";
import { isCanonicalOrigin, MAX_PATH_LENGTH, makeKey, ORIGIN_RULE } from "./page-key";

/** A site as `location.origin` writes it. */
export const origin = z.string().max(300).refine(isCanonicalOrigin, ORIGIN_RULE);
export const pagePath = z.string().min(1).max(MAX_PATH_LENGTH).startsWith("/");
export const layoutWidth = z.number().int().min(1).max(100_000);

export const SubscriptionRequest = z.object({
  origin,
  path: pagePath,
  /** The viewer's layout width; selects the width band. */
  width: layoutWidth,
  /** One of the companion's windows (`welcome.windowsMs`); its default when absent. */
  windowMs: z.number().int().positive().optional(),
  /** A divisor of the companion's `cols` (see `welcome.colsChoices`); the companion's own when absent. */
  cols: z.number().int().positive().max(10_000).optional(),
});
export type SubscriptionRequest = z.infer<typeof SubscriptionRequest>;

/** What grids for a request carry: its page key (band included), window and columns. */
export interface View {
  key: string;
  windowMs: number;
  cols: number;
}

/** Equal for equal requests, whatever the order of their fields. */
export function requestId(r: SubscriptionRequest): string {
  return `${r.windowMs ?? ""} ${r.cols ?? ""} ${r.width} ${r.origin}${r.path}`;
}

export function viewId(view: View): string {
  return `${view.windowMs} ${view.cols} ${view.key}`;
}

/** The view a grid (or a `subscribed` reply) belongs to. */
export function viewOf(message: {
  origin: string;
  path: string;
  band: string | { id: string };
  windowMs: number;
  cols: number;
}): View {
  const band = typeof message.band === "string" ? message.band : message.band.id;
  return { key: makeKey(band, message.origin, message.path), windowMs: message.windowMs, cols: message.cols };
}
