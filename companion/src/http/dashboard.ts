/**
 * The team dashboard at `/`: its page, its script (TypeScript, bundled once
 * at start with esbuild) and its styles. Behind the view role when tokens
 * exist: `/?token=…` checks a token and keeps it in an HttpOnly, SameSite
 * cookie, so the dashboard's API calls are signed without script access.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { authenticate, TOKEN_COOKIE } from "../auth/authenticate";
import { hasRole, type TokenStore } from "../auth/tokens";

const DIR = fileURLToPath(new URL("../../dashboard/", import.meta.url));

export function createDashboard(tokens: TokenStore, secure: boolean) {
  const page = readFileSync(`${DIR}index.html`, "utf8");
  const login = readFileSync(`${DIR}login.html`, "utf8");
  const css = readFileSync(`${DIR}dashboard.css`, "utf8");
  const script = buildSync({
    entryPoints: [`${DIR}dashboard.ts`],
    bundle: true,
    format: "esm",
    minify: true,
    write: false,
    target: "es2022",
    logLevel: "silent",
  }).outputFiles[0]?.text as string;

  const send = (res: ServerResponse, status: number, type: string, body: string, headers = {}) => {
    res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store", ...headers });
    res.end(body);
  };

  /** Handles `/`, `/dashboard.js` and `/dashboard.css`; returns false for anything else. */
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname === "/dashboard.js") send(res, 200, "text/javascript", script);
    else if (url.pathname === "/dashboard.css") send(res, 200, "text/css", css);
    else if (url.pathname !== "/") return false;
    else {
      const offered = url.searchParams.get("token");
      if (offered !== null) {
        const token = tokens.verify(offered);
        if (!token || !hasRole(token, "view")) send(res, 401, "text/html", login);
        else {
          const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`;
          res.writeHead(303, { location: "/", "set-cookie": cookie }).end();
        }
      } else if (!authenticate(req, tokens, ["view"]).ok) send(res, 401, "text/html", login);
      else send(res, 200, "text/html", page);
    }
    return true;
  };
}
