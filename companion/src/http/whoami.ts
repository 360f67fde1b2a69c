/**
 * `GET /api/whoami`: what the companion makes of the request's token. A
 * browser never sees the HTTP status of a refused websocket upgrade, so the
 * extension asks here to tell a missing, unknown or revoked token apart.
 * Needs no role: any holder may ask about its own token, and nothing else.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ErrorCode } from "../../../protocol/wire";
import { tokenOf } from "../auth/authenticate";
import type { TokenStore } from "../auth/tokens";
import { refuse } from "../gateway/refuse";
import { sendJson } from "./api";

export function whoami(req: IncomingMessage, res: ServerResponse, tokens: TokenStore): void {
  if (req.method !== "GET") return refuse(res, ErrorCode.method, "only GET is served");
  if (!tokens.authRequired()) return sendJson(res, 200, { tokens: false, token: null });
  const refused = (why: "missing" | "unknown" | "revoked", reason: string) =>
    refuse(res, ErrorCode.unauthorized, reason, { refused: why });
  const presented = tokenOf(req);
  if (!presented) return refused("missing", "a token is required");
  const info = tokens.find(presented);
  if (!info) return refused("unknown", "the companion does not know this token");
  if (info.revoked !== null) return refused("revoked", "this token was revoked");
  sendJson(res, 200, { tokens: true, token: { id: info.id, name: info.name, roles: info.roles } });
}
