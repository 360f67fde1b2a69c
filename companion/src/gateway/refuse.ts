/**
 * The one way the companion refuses: an HTTP request, a websocket upgrade or
 * an open websocket, each answered with the status or close code that
 * `REFUSAL` gives the error code, and the code and reason. Replies that keep
 * the connection (`nack`, `error`) are not refusals and do not come here.
 */
import { ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { type ErrorCode, MAX_CLOSE_REASON_BYTES, REFUSAL } from "../../../protocol/wire";

/** What a check returns when it refuses. */
export interface Refusal {
  code: ErrorCode;
  reason: string;
}

/** `E_CODE: reason`, cut on a character boundary to what a close frame holds. */
export function closeReason(code: ErrorCode, reason: string): string {
  const full = Buffer.from(`${code}: ${reason}`);
  if (full.length <= MAX_CLOSE_REASON_BYTES) return full.toString();
  return full
    .subarray(0, MAX_CLOSE_REASON_BYTES)
    .toString()
    .replace(/\uFFFD+$/, "");
}

/**
 * Refuses `to`: a response gets the status and `{code, reason}`; an upgrade's
 * socket gets the same as a raw HTTP answer and is closed; a websocket is
 * closed with the close code and `E_CODE: reason`.
 */
export function refuse(
  to: ServerResponse | Duplex | WebSocket,
  code: ErrorCode,
  reason: string,
  /** More fields for an HTTP answer's body (a close frame holds only the reason). */
  detail: Record<string, unknown> = {},
): void {
  const { status, close } = REFUSAL[code];
  if (to instanceof WebSocket) {
    to.close(close, closeReason(code, reason));
    return;
  }
  const body = JSON.stringify({ ...detail, code, reason });
  if (to instanceof ServerResponse) {
    to.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    to.end(body);
    return;
  }
  to.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
