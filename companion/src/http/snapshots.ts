/**
 * `/api/snapshots`: `POST` stores a page's snapshot (the PNG as the body, its
 * metadata in the `x-heatlens-snapshot` header, protocol/snapshot.ts);
 * `GET ?origin&path` lists a page's snapshots, newest first; `GET /<id>`
 * serves one's PNG. Behind the same token check as the rest of `/api/*`
 * (the router's); a POST from a web page's origin is refused as a websocket
 * from it would be. The path is normalised as points' paths are, so that a
 * snapshot lands on the page its heat is keyed by.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bandChoicesReason, type WidthBand } from "../../../protocol/grid";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import {
  decodeSnapshotMeta,
  isPng,
  SNAPSHOT_HEADER,
  SNAPSHOT_ID,
  SNAPSHOTS_PATH,
  type SnapshotEntry,
} from "../../../protocol/snapshot";
import { ErrorCode } from "../../../protocol/wire";
import { originRefusal } from "../gateway/admission";
import { refuse } from "../gateway/refuse";
import type { SnapshotStore, StoredSnapshot } from "../store/snapshot-store";
import { pageOf, sendJson } from "./api";

export interface SnapshotDeps {
  store: SnapshotStore;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
  maxBytes: number;
  allowOrigins: readonly string[];
}

/** Handles `/api/snapshots` and below; returns false for any other path. */
export function handleSnapshots(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: SnapshotDeps,
  /** Answers a fault of the companion's own while the upload is read (router.ts). */
  fault: (req: IncomingMessage, res: ServerResponse, error: unknown) => void,
): boolean {
  if (url.pathname === SNAPSHOTS_PATH) {
    if (req.method === "POST") upload(req, res, deps).catch((error) => fault(req, res, error));
    else if (req.method === "GET") list(res, url, deps);
    else refuse(res, ErrorCode.method, "GET lists a page's snapshots, POST adds one");
    return true;
  }
  if (!url.pathname.startsWith(`${SNAPSHOTS_PATH}/`)) return false;
  if (req.method !== "GET") {
    refuse(res, ErrorCode.method, "a snapshot is only read (GET)");
    return true;
  }
  const id = url.pathname.slice(SNAPSHOTS_PATH.length + 1);
  const found = SNAPSHOT_ID.test(id) ? deps.store.get(id) : null;
  if (!found) {
    refuse(res, ErrorCode.notFound, `no snapshot ${id}`);
    return true;
  }
  const png = deps.store.image(id);
  res.writeHead(200, {
    "content-type": "image/png",
    "content-length": png.length,
    // A snapshot never changes once stored.
    "cache-control": "private, max-age=31536000, immutable",
  });
  res.end(png);
  return true;
}

function entry(s: StoredSnapshot): SnapshotEntry {
  return { ...s.meta, id: s.id, bytes: s.bytes, storedAt: s.storedAt, url: `${SNAPSHOTS_PATH}/${s.id}` };
}

function list(res: ServerResponse, url: URL, deps: SnapshotDeps): void {
  const page = pageOf(url.searchParams);
  if (typeof page === "string") return refuse(res, ErrorCode.schema, page);
  sendJson(res, 200, { snapshots: deps.store.list(page.origin, deps.normalise(page.path)).map(entry) });
}

async function upload(req: IncomingMessage, res: ServerResponse, deps: SnapshotDeps): Promise<void> {
  const refused = originRefusal(req, deps.allowOrigins);
  if (refused) return refuse(res, refused.code, refused.reason);
  const decoded = decodeSnapshotMeta(req.headers[SNAPSHOT_HEADER] as string | undefined);
  if (!decoded.ok) return refuse(res, ErrorCode.schema, decoded.reason);
  const meta = { ...decoded.meta, path: deps.normalise(decoded.meta.path) };
  if (!deps.bands.some((b) => b.id === meta.band)) {
    return refuse(res, ErrorCode.schema, bandChoicesReason(deps.bands));
  }
  const notPng = "the body must be a PNG image (content-type image/png)";
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "image/png") return refuseUnread(req, res, notPng, ErrorCode.notPng);
  const tooBig = `a snapshot may hold at most ${deps.maxBytes} bytes (--max-snapshot-bytes)`;
  if (Number(req.headers["content-length"] ?? 0) > deps.maxBytes) return refuseUnread(req, res, tooBig);
  const body = await readBody(req, deps.maxBytes);
  if (body === "aborted") return;
  if (body === "too-big") return refuseUnread(req, res, tooBig);
  if (!isPng(body)) return refuse(res, ErrorCode.notPng, notPng);
  let stored: StoredSnapshot;
  try {
    stored = deps.store.add(meta, body);
  } catch (error) {
    return refuse(res, ErrorCode.storage, `cannot store the snapshot: ${(error as Error).message}`);
  }
  sendJson(res, 201, entry(stored));
}

/** The body; "too-big" once it passes `max` bytes (the rest is not read); "aborted" when the client went away. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too-big" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off("data", onData);
        req.pause();
        resolve("too-big");
      } else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => resolve("aborted"));
  });
}

/** Refuses (413 unless told) and closes the connection, so that an unread body does not stay in its way. */
function refuseUnread(
  req: IncomingMessage,
  res: ServerResponse,
  reason: string,
  code: ErrorCode = ErrorCode.tooBig,
): void {
  res.setHeader("connection", "close");
  refuse(res, code, reason);
  res.once("finish", () => req.socket.destroySoon());
}
