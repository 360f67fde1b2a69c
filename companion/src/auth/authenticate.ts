/**
 * Who is asking: finds the token of an HTTP request or websocket upgrade (an
 * `Authorization: Bearer` header, a `heatlens.token.<token>` websocket
 * subprotocol — browsers cannot set headers on websockets — or the dashboard's
 * cookie) and checks its roles. Until the first token is created the
 * companion is open, as on loopback by default; from then on it never is.
 */
import type { IncomingMessage } from "node:http";
import { ErrorCode } from "../../../protocol/wire";
import { hasRole, type Role, type TokenInfo, type TokenStore } from "./tokens";

export const TOKEN_SUBPROTOCOL = "heatlens.token.";
export const TOKEN_COOKIE = "heatlens_token";

export type AuthResult = { ok: true; token: TokenInfo | null } | { ok: false; code: ErrorCode; reason: string };

export function tokenOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  for (const protocol of (req.headers["sec-websocket-protocol"] ?? "").split(",")) {
    const p = protocol.trim();
    if (p.startsWith(TOKEN_SUBPROTOCOL)) return p.slice(TOKEN_SUBPROTOCOL.length);
  }
  for (const cookie of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = cookie.trim().split("=");
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join("="));
  }
  return null;
}

/** Passes a request holding a valid token with any of `roles` (or any request until a token was ever created). */
export function authenticate(req: IncomingMessage, tokens: TokenStore, roles: readonly Role[]): AuthResult {
  if (!tokens.authRequired()) return { ok: true, token: null };
  const presented = tokenOf(req);
  if (!presented) return { ok: false, code: ErrorCode.unauthorized, reason: "a token is required" };
  const token = tokens.verify(presented);
  if (!token) return { ok: false, code: ErrorCode.unauthorized, reason: "unknown or revoked token" };
  if (!roles.some((role) => hasRole(token, role))) {
    return {
      ok: false,
      code: ErrorCode.forbidden,
      reason: `this token lacks the ${roles.join(" or ")} role`,
    };
  }
  return { ok: true, token };
}
