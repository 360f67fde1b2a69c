/**
 * Why the companion link is down. A browser never sees the HTTP status of a
 * refused websocket upgrade (only `closed (1006)`), so when its websocket
 * closes or fails to open the extension asks the companion's open HTTP endpoints:
 * `/healthz` (is this a companion, does it require tokens?) and, with the
 * token, `/api/whoami` (is it accepted, with which roles?). `nextStep` says
 * what to ask given the answers so far, or what they mean; it fetches
 * nothing (probe.ts does). `describeLink` words every state for the popup and
 * the toolbar button's tooltip, with what to do.
 */
import type { LinkProblem, LinkStatus } from "../../protocol/messages";

/** What one request got: its status and JSON body (null if not JSON), or no answer at all. */
export type Answer = { status: number; body: unknown } | { unreachable: string };

export interface Facts {
  /** The companion URL as set (ws:// or wss://). */
  url: string;
  token: string;
  /** `GET /healthz`. */
  health?: Answer;
  /** `GET /api/whoami` with the token. */
  whoami?: Answer;
}

export interface Diagnosis {
  /** `closed` when the companion is there and accepts us: the refusal had another reason. */
  state: LinkProblem | "closed";
  reason: string;
}

export type Step = { diagnosis: Diagnosis } | { ask: "health" | "whoami"; url: string };

/** Roles any of which lets the extension connect (the companion's websocket admits either). */
const LINK_ROLES = ["capture", "view", "admin"];
const SERVER_PREFIX = "heatlens-companion/";

export function nextStep(facts: Facts): Step {
  const base = httpBase(facts.url);
  if ("problem" in base) return done("wrong-address", base.problem);
  const where = base.url.host;
  const { health, whoami } = facts;
  if (!health) return { ask: "health", url: new URL("/healthz", base.url).href };
  if ("unreachable" in health) return done("not-running", `nothing answers at ${where}`);
  const about = field(health.body, "server");
  if (typeof about !== "string" || !about.startsWith(SERVER_PREFIX)) {
    return done("wrong-address", `${where} answers, but not as a Heatlens companion (HTTP ${health.status})`);
  }
  if (field(health.body, "tokens") !== true) {
    return done("closed", `the companion at ${where} requires no token, yet refused the connection: see its log`);
  }
  if (!facts.token) return done("needs-token", `the companion at ${where} requires a token`);
  // It could not even be sent (a header holds visible ASCII only), and no token holds anything else.
  if (!/^[\x21-\x7e]+$/.test(facts.token)) return done("token-refused", "the token holds characters no token has");
  if (!whoami) return { ask: "whoami", url: new URL("/api/whoami", base.url).href };
  return fromWhoami(whoami, where);
}

function fromWhoami(whoami: Answer, where: string): Step {
  if ("unreachable" in whoami) return done("not-running", `nothing answers at ${where}`);
  const { status, body } = whoami;
  if (status === 200) {
    const roles = field(field(body, "token"), "roles");
    if (Array.isArray(roles) && !roles.some((role) => LINK_ROLES.includes(role))) {
      return done("token-refused", "this token lacks the capture and view roles");
    }
    return done("closed", `the companion at ${where} accepts this token, yet refused the connection: see its log`);
  }
  const refused = field(body, "refused");
  if (refused === "revoked") return done("token-refused", "this token was revoked");
  if (refused === "unknown") return done("token-refused", "the companion does not know this token");
  if (status === 401 || status === 403) {
    const reason = field(body, "reason");
    return done("token-refused", typeof reason === "string" ? reason : `HTTP ${status}`);
  }
  return done("closed", `the companion at ${where} answered HTTP ${status} about the token`);
}

/** `http(s)://host:port` of a ws(s):// companion URL, or why it is not one. */
function httpBase(url: string): { url: URL } | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `the companion URL "${url}" is not a valid URL` };
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    return { problem: `the companion URL "${url}" must start with ws:// or wss://` };
  }
  return { url: new URL(`${parsed.protocol === "wss:" ? "https:" : "http:"}//${parsed.host}`) };
}

function field(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function done(state: Diagnosis["state"], reason: string): Step {
  return { diagnosis: { state, reason } };
}

export interface LinkWords {
  /** The state in a few words: the popup's status line. */
  headline: string;
  /** The reason or last error, when there is one and the link is not open. */
  reason: string | null;
  /** What the user can do about it, if anything. */
  todo: string | null;
}

const WORDS: Record<LinkStatus["state"], { headline: string; todo: string | null }> = {
  open: { headline: "Connected", todo: null },
  connecting: { headline: "Connecting…", todo: null },
  closed: { headline: "Not connected", todo: null },
  "needs-token": { headline: "Needs a token", todo: "Enter one in Options → Token." },
  "token-refused": { headline: "Token refused", todo: "Enter a valid token in Options → Token." },
  "token-limited": {
    headline: "Token lacks a role",
    todo: "What it may do goes on; for the rest, enter a token with that role in Options → Token.",
  },
  "not-running": {
    headline: "Companion not running",
    todo: "Start it (npx heatlens), or correct Options → Companion URL.",
  },
  "wrong-address": { headline: "Wrong address", todo: "Correct Options → Companion URL." },
};

export function describeLink(status: Pick<LinkStatus, "state" | "lastError">): LinkWords {
  const words = WORDS[status.state];
  return { ...words, reason: status.state === "open" ? null : status.lastError };
}

/** The toolbar button's tooltip: the state, why, and what to do. */
export function linkTitle(status: Pick<LinkStatus, "state" | "lastError">): string {
  const { headline, reason, todo } = describeLink(status);
  return [`Heatlens · ${headline}`, reason && ` — ${reason}`, todo && `. ${todo}`].filter(Boolean).join("");
}
