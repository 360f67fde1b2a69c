/**
 * `GET /api/whoami`: what the companion makes of the request's token. A
 * browser never sees the HTTP status of a refused websocket upgrade, so the
 * extension asks here to tell a missing, unknown or revoked token apart.
 * Needs no role: any holder may ask about its own token, and nothing else.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode } from "../../../protocol/wire";
import { tokenOf, tokensRequired } from "../auth/authenticate";
import type { TokenStore } from "../auth/tokens";
import { sendJson } from "./api";

export function whoami(req: IncomingMessage, res: ServerResponse, tokens: TokenStore): void {
  if (req.method !== "GET") return sendJson(res, 405, { code: "E_METHOD", reason: "only GET is served" });
  if (!tokensRequired(tokens)) return sendJson(res, 200, { tokens: false, token: null });
  const presented = tokenOf(req);
  if (!presented) return refuse(res, "missing", "a token is required");
  const info = tokens.find(presented);
  if (!info) return refuse(res, "unknown", "the companion does not know this token");
  if (info.revoked !== null) return refuse(res, "revoked", "this token was revoked");
  sendJson(res, 200, { tokens: true, token: { id: info.id, name: info.name, roles: info.roles } });
}

function refuse(res: ServerResponse, refused: "missing" | "unknown" | "revoked", reason: string): void {
  sendJson(res, 401, { code: ErrorCode.unauthorized, reason, refused });
}
