/**
 * The real `heatlens` binary in a child process, and the clients the command
 * line tests talk to it with: what a user runs, observed the way a user or a
 * browser would (its output, HTTP answers, websocket messages and close codes).
 */
import { spawn } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { type Batch, PROTOCOL_VERSION, type ServerMessage, type Welcome } from "../../protocol/wire";
import { SITE } from "./site";
import { tempDataDir } from "./temp-dir";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = "companion/bin/heatlens.js";

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `heatlens args…` to its end (token commands, refused starts); fails if it is still running after `timeoutMs`. */
export function heatlens(args: string[], timeoutMs = 15_000): Promise<Finished> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`heatlens ${args.join(" ")} still running after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export interface Running {
  /** Base URL from the banner, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, as Ctrl-C would (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/**
 * Starts a companion on a free port with its own data directory (both
 * overridable by later flags in `args`) and waits for its banner. `spawned`
 * is given its output so far at once, for a test that acts on what it says
 * before it listens.
 */
export async function startHeatlens(
  args: string[],
  dataDir = tempDataDir("cli"),
  spawned: (stdout: () => string) => void = () => undefined,
): Promise<Running> {
  const child = spawn(process.execPath, [BIN, "--port", "0", "--data-dir", dataDir, ...args], { cwd: ROOT });
  let stdout = "";
  spawned(() => stdout);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no banner within 20 s\n${stdout}\n${stderr}`));
    }, 20_000);
    child.stdout.on("data", (d) => {
      stdout += d;
      const match = /listening on (https?:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`heatlens exited with ${code} before listening\n${stderr}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    pid: child.pid as number,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Creates a token with the real `token create`; returns the secret and its id. */
export async function createToken(dataDir: string, roles: string): Promise<{ token: string; id: string }> {
  const { code, stdout, stderr } = await heatlens(["token", "create", "--role", roles, "--data-dir", dataDir]);
  if (code !== 0) throw new Error(`token create failed: ${stderr}`);
  const token = stdout
    .trim()
    .split("\n")
    .find((line) => line.startsWith("hl_")) as string;
  return { token, id: token.split("_")[1] as string };
}

/** Runs `body` with at most `n` of them at once. */
export function limit(n: number): <T>(body: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (body) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await body();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Polls `probe` until it returns something other than undefined, or fails after `ms`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `check` until it holds, or fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined), ms, what);
}

// ---------------------------------------------------------------- HTTP

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** GETs `url`; `headers` may set `Host`, which fetch cannot. `ca` trusts a test certificate. */
export function get(url: string, headers: Record<string, string> = {}, ca?: string): Promise<Answer> {
  const request = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// ---------------------------------------------------------------- websockets

export interface Client {
  ws: WebSocket;
  /** The next message of `type` (or any), in arrival order; fails after `timeoutMs`. */
  next(type?: ServerMessage["type"], timeoutMs?: number): Promise<ServerMessage>;
  /** The companion's welcome, once hello was said. */
  welcome: Welcome | null;
  send(message: object | string): void;
  closed: Promise<{ code: number; reason: string }>;
}

export interface ConnectOptions {
  origin?: string;
  /** Sent as the `heatlens.token.<token>` subprotocol. */
  token?: string;
  /** Say hello and wait for the welcome (the default). */
  hello?: boolean;
  /** The display name said in hello. */
  name?: string;
  /** Sent as the upgrade's `User-Agent`, as a browser does. */
  userAgent?: string;
  ca?: string;
}

let clients = 0;

/** Opens a websocket to the companion at `base` (http or https URL) and, by default, says hello. */
export async function connect(base: string, options: ConnectOptions = {}): Promise<Client> {
  const protocols = ["heatlens.v1", ...(options.token ? [`heatlens.token.${options.token}`] : [])];
  const headers = options.userAgent ? { "user-agent": options.userAgent } : undefined;
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws`, protocols, {
    origin: options.origin,
    ca: options.ca,
    headers,
  });
  const queue: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (data) => {
    queue.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => reject(new Refused(res.statusCode ?? 0, body)));
    });
  });
  const client: Client = {
    ws,
    closed,
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    welcome: null,
    async next(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((m) => !type || m.type === type);
        if (index !== -1) return queue.splice(index, 1)[0] as ServerMessage;
        if (Date.now() > deadline) throw new Error(`no ${type ?? "message"} received`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
  if (options.hello !== false) {
    client.send({ type: "hello", v: PROTOCOL_VERSION, client: `cli-test-${++clients}`, name: options.name });
    client.welcome = (await client.next("welcome")) as Welcome;
  }
  return client;
}

/** Sends one message (a batch) and returns the companion's ack or nack, skipping other messages. */
export async function reply(client: Client, message: object): Promise<ServerMessage> {
  client.send(message);
  for (;;) {
    const next = await client.next();
    if (next.type === "ack" || next.type === "nack") return next;
  }
}

/** An upgrade the companion refused: its HTTP status and JSON body. */
export class Refused extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
    this.code = (JSON.parse(body || "{}") as { code?: string }).code ?? "";
  }
}

/** The refusal of an upgrade that must be refused. */
export async function refusal(base: string, options: ConnectOptions = {}): Promise<Refused> {
  try {
    const client = await connect(base, { ...options, hello: false });
    client.ws.terminate();
  } catch (error) {
    if (error instanceof Refused) return error;
    throw error;
  }
  throw new Error("the upgrade was accepted");
}

/** A batch of one or more pages; each page's points are `[x, y]` in document px, captured `age` ms ago. */
export function batch(seq: number, pages: { path: string; points: [number, number][]; age?: number }[]): Batch {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: pages.map((p) => ({
      origin: SITE,
      path: p.path,
      w: 1000,
      t0: now - (p.age ?? 0),
      pts: p.points.flatMap(([x, y]) => [0, x, y, 0]),
    })),
  };
}

/** `n` points spread over a 1000 px wide page. */
export function points(n: number): [number, number][] {
  return Array.from({ length: n }, (_, i) => [(i * 7) % 1000, (i * 13) % 2000] as [number, number]);
}

// ---------------------------------------------------------------- raw sockets
