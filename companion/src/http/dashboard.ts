/**
 * The team dashboard at `/`: its page, its script (TypeScript, bundled by
 * esbuild once per process: dashboardScript) and its styles. Behind the view
 * role when tokens exist: the sign-in form POSTs the token to `/login` (never in a URL, so
 * never in history or logs), which checks it and keeps it in an HttpOnly,
 * SameSite cookie, so the dashboard's API calls are signed without script
 * access; a refused token is told why on the sign-in page. A share link
 * (`/share?…`, protocol/share-link.ts) opens the dashboard at its view with a
 * note on seeing the heat on the page itself; signing in from it returns to it.
 * A dashboard whose token stops working (revoked) is sent back to sign in,
 * told why.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { bandChoicesReason, type WidthBand, windowChoicesReason } from "../../../protocol/grid";
import { parseShareUrl, type ShareView } from "../../../protocol/share-link";
import { ErrorCode } from "../../../protocol/wire";
import { authenticate, TOKEN_COOKIE, tokenOf } from "../auth/authenticate";
import { hasRole, type TokenStore } from "../auth/tokens";
import { refuse } from "../gateway/refuse";

const DIR = fileURLToPath(new URL("../../dashboard/", import.meta.url));

let bundled: Promise<string> | null = null;

/**
 * The dashboard's script, bundled once per process, the first time a browser
 * asks for it, in esbuild's own process. Bundled synchronously as the
 * companion started, it held the start for 0.25–0.5 s (1 s on a cold
 * esbuild), refusing every connection as still starting meanwhile, even on a
 * companion whose dashboard nobody opens.
 */
export function dashboardScript(): Promise<string> {
  if (!bundled) {
    bundled = build({
      entryPoints: [`${DIR}dashboard.ts`],
      bundle: true,
      format: "esm",
      minify: true,
      write: false,
      target: "es2022",
      logLevel: "silent",
    }).then((result) => result.outputFiles[0]?.text as string);
    // A failure is answered to whoever asks for the script (a fault, logged), never an unhandled rejection.
    bundled.catch(() => undefined);
  }
  return bundled;
}

/** The views this companion serves: a share link to another is refused. */
export interface ServedViews {
  bands: readonly WidthBand[];
  windowsMs: readonly number[];
}

/** Why a share link's view is one this companion does not serve, or null. */
function unservedReason(view: ShareView, served: ServedViews): string | null {
  if (view.band !== null && !served.bands.some((b) => b.id === view.band)) return bandChoicesReason(served.bands);
  if (view.time.kind === "window" && !served.windowsMs.includes(view.time.ms)) {
    return windowChoicesReason(served.windowsMs);
  }
  return null;
}

export function createDashboard(tokens: TokenStore, secure: boolean, served: ServedViews) {
  const page = readFileSync(`${DIR}index.html`, "utf8");
  const login = readFileSync(`${DIR}login.html`, "utf8");
  const css = readFileSync(`${DIR}dashboard.css`, "utf8");

  const send = (res: ServerResponse, status: number, type: string, body: string, headers = {}) => {
    res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store", ...headers });
    res.end(body);
  };

  /** The sign-in page, saying why the last token was refused; signing in goes on to `next` (the dashboard or a share link). */
  const signIn = (res: ServerResponse, refused = "", next = "/") =>
    send(
      res,
      401,
      "text/html",
      login
        .replace("<!--refused-->", refused ? `<p class="refused" role="alert">${escapeHtml(refused)}</p>` : "")
        .replace("<!--next-->", `<input type="hidden" name="next" value="${escapeHtml(next)}">`),
    );

  const signInWith = (res: ServerResponse, offered: string, next: string) => {
    const token = tokens.find(offered);
    if (!token) return signIn(res, "That token was refused: the companion does not know it.", next);
    if (token.revoked !== null) return signIn(res, "That token was refused: it was revoked.", next);
    if (!hasRole(token, "view")) return signIn(res, "That token was refused: it lacks the view role.", next);
    const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(offered)}; HttpOnly; SameSite=Strict; Path=/${secure ? "; Secure" : ""}`;
    res.writeHead(303, { location: next, "set-cookie": cookie }).end();
  };

  /** The dashboard at a share link's view, under a note saying where the heat shows on the page itself. */
  const share = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const parsed = parseShareUrl(url.pathname + url.search);
    if (!parsed.ok) return refuse(res, ErrorCode.shareLink, parsed.reason);
    const unserved = unservedReason(parsed.view, served);
    if (unserved !== null) return refuse(res, ErrorCode.shareLink, unserved);
    if (!authenticate(req, tokens, ["view"]).ok) return signIn(res, "", url.pathname + url.search);
    send(res, 200, "text/html", page.replace("<!--share-note-->", shareNote(parsed.view)));
  };

  /** Handles `/`, `/login`, `/dashboard.js` and `/dashboard.css`; returns false for anything else. */
  return (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    /** Answers a fault of the companion's own: the sign-in form unread, the script not bundled (router.ts). */
    fault: (req: IncomingMessage, res: ServerResponse, error: unknown) => void,
  ): boolean => {
    if (url.pathname === "/dashboard.js") {
      dashboardScript().then(
        (text) => send(res, 200, "text/javascript", text),
        (error) => fault(req, res, error),
      );
    } else if (url.pathname === "/share") share(req, res, url);
    else if (url.pathname === "/dashboard.css") send(res, 200, "text/css", css);
    else if (url.pathname === "/login" && req.method === "POST") {
      readForm(req)
        .then(
          (form) => signInWith(res, form.get("token")?.trim() ?? "", ownPage(form.get("next"))),
          () => signIn(res, "The sign-in form could not be read."),
        )
        .catch((error) => fault(req, res, error));
    } else if (url.pathname !== "/") return false;
    else {
      const verdict = authenticate(req, tokens, ["view"]);
      // A signed-in dashboard sent here when its token stopped working is told why.
      if (!verdict.ok) signIn(res, tokenOf(req) === null ? "" : `Your token was refused: ${verdict.reason}.`);
      else send(res, 200, "text/html", page);
    }
    return true;
  };
}

/** Where signing in may go on to: the dashboard or a share link of this companion, never another site. */
function ownPage(next: string | null): string {
  return next !== null && /^\/(share)?(\?|$)/.test(next) ? next : "/";
}

export const SHARE_NOTE =
  "This link opens the page itself with its heat in a browser with the Heatlens extension; here is the companion's view of it.";

function shareNote(view: ShareView): string {
  const address = view.origin + view.path;
  return `<p id="share-note" class="share-note" role="note">${escapeHtml(SHARE_NOTE)} <a href="${escapeHtml(address)}">${escapeHtml(address)}</a></p>`;
}

/** The largest sign-in form read: a token is under 100 bytes. */
const MAX_FORM_BYTES = 4096;

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    // Past the limit the rest is read and dropped, and the form refused.
    req.on("data", (chunk: string) => {
      if (body.length <= MAX_FORM_BYTES) body += chunk;
    });
    req.on("end", () =>
      body.length > MAX_FORM_BYTES ? reject(new Error("form too large")) : resolve(new URLSearchParams(body)),
    );
    req.on("error", reject);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}
