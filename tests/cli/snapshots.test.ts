/**
 * Snapshots through the real binary: a PNG posted to `/api/snapshots` with
 * its metadata is listed for its page (newest first, path normalised as
 * points' paths are) and served back byte for byte; a page keeps
 * `--snapshots-per-page`, a restart keeps what was stored, and every bad
 * upload is refused with its code and reason.
 */
import { describe, expect, it } from "vitest";
import { encodeSnapshotMeta, PNG_SIGNATURE, type SnapshotEntry } from "../../protocol/snapshot";
import { createToken, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { noisyPng, plainPng, snapshotMeta, upload } from "../support/snapshot";
import { tempDataDir } from "../support/temp-dir";

async function listed(base: string, path = "/demo/product/1", headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/snapshots?origin=${encodeURIComponent(SITE)}&path=${encodeURIComponent(path)}`, {
    headers,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { snapshots: SnapshotEntry[] }).snapshots;
}

describe("POST /api/snapshots", () => {
  it("stores a PNG, lists it for its page with its metadata and serves the same bytes", async () => {
    const companion = await startHeatlens([]);
    try {
      const png = plainPng(40, 30);
      const meta = snapshotMeta({ path: "/demo/product/1?colour=red" });
      const res = await upload(companion.url, png, meta);
      expect(res.status).toBe(201);
      const created = (await res.json()) as SnapshotEntry;
      expect(created).toMatchObject({ ...meta, path: "/demo/product/1", bytes: png.length });
      const [entry, ...rest] = await listed(companion.url);
      expect(rest).toEqual([]);
      expect(entry).toEqual(created);
      const image = await fetch(`${companion.url}${entry?.url}`);
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);
      expect(await listed(companion.url, "/demo/product/2")).toEqual([]);
    } finally {
      await companion.stop();
    }
  });

  it("keeps --snapshots-per-page per page, newest first, and a restart keeps them", async () => {
    const dir = tempDataDir("cli-snapshots");
    const first = await startHeatlens(["--snapshots-per-page", "2"], dir);
    const ids: string[] = [];
    try {
      for (const legend of ["one", "two", "three"]) {
        const res = await upload(first.url, plainPng(8, 8), snapshotMeta({ legend }));
        ids.push(((await res.json()) as SnapshotEntry).id);
      }
      expect((await listed(first.url)).map((s) => s.legend)).toEqual(["three", "two"]);
      expect((await fetch(`${first.url}/api/snapshots/${ids[0]}`)).status).toBe(404);
    } finally {
      await first.stop();
    }
    const again = await startHeatlens(["--snapshots-per-page", "2"], dir);
    try {
      const kept = await listed(again.url);
      expect(kept.map((s) => s.id)).toEqual([ids[2], ids[1]]);
      expect((await fetch(`${again.url}${kept[0]?.url}`)).status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it("refuses a snapshot over --max-snapshot-bytes with 413 E_TOO_BIG and stores nothing", async () => {
    const companion = await startHeatlens(["--max-snapshot-bytes", "2KiB"]);
    try {
      const big = noisyPng(40, 40);
      expect(big.length).toBeGreaterThan(2048);
      const res = await upload(companion.url, big, snapshotMeta());
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        code: "E_TOO_BIG",
        reason: "a snapshot may hold at most 2048 bytes (--max-snapshot-bytes)",
      });
      // Without a length up front (chunked), the body is cut off once it passes the limit.
      const chunked = await fetch(`${companion.url}/api/snapshots`, {
        method: "POST",
        headers: { "content-type": "image/png", "x-heatlens-snapshot": encodeSnapshotMeta(snapshotMeta()) },
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new Uint8Array(big));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { code: string }).code).toBe("E_TOO_BIG");
      expect(await listed(companion.url)).toEqual([]);
      expect((await upload(companion.url, plainPng(8, 8), snapshotMeta())).status).toBe(201);
    } finally {
      await companion.stop();
    }
  });

  it("refuses bad uploads with a code and a reason", async () => {
    const companion = await startHeatlens([]);
    try {
      const cases: [Promise<Response>, number, string, RegExp][] = [
        [upload(companion.url, Buffer.from("GIF89a not a png"), snapshotMeta()), 415, "E_NOT_PNG", /must be a PNG/],
        // A PNG's first bytes and then anything, a PNG cut short, a PNG with bytes after its end.
        [upload(companion.url, garbageAfterSignature(), snapshotMeta()), 415, "E_NOT_PNG", /must be a PNG/],
        [upload(companion.url, plainPng(4, 4).subarray(0, 40), snapshotMeta()), 415, "E_NOT_PNG", /must be a PNG/],
        [
          upload(companion.url, Buffer.concat([plainPng(4, 4), Buffer.from("x")]), snapshotMeta()),
          415,
          "E_NOT_PNG",
          /must be a PNG/,
        ],
        // A real PNG sent as another type.
        [
          upload(companion.url, plainPng(4, 4), snapshotMeta(), { "content-type": "application/octet-stream" }),
          415,
          "E_NOT_PNG",
          /content-type image\/png/,
        ],
        [
          upload(companion.url, plainPng(4, 4), snapshotMeta({ time: { kind: "range", from: 2000, to: 1000 } })),
          400,
          "E_SCHEMA",
          /time\.to: a range ends after it starts/,
        ],
        [upload(companion.url, plainPng(4, 4), null), 400, "E_SCHEMA", /x-heatlens-snapshot header .* is required/],
        [upload(companion.url, plainPng(4, 4), "%7Bnot json"), 400, "E_SCHEMA", /URI-encoded JSON/],
        [upload(companion.url, plainPng(4, 4), snapshotMeta({ scrollY: -5 })), 400, "E_SCHEMA", /scrollY/],
        [upload(companion.url, plainPng(4, 4), snapshotMeta({ origin: "file:///x" })), 400, "E_SCHEMA", /origin/],
        [upload(companion.url, plainPng(4, 4), snapshotMeta({ band: "huge" })), 400, "E_SCHEMA", /band must be one of/],
        [
          upload(companion.url, plainPng(4, 4), snapshotMeta(), { origin: "https://evil.example" }),
          403,
          "E_ORIGIN",
          /evil\.example/,
        ],
        [fetch(`${companion.url}/api/snapshots/0123456789abcdef`), 404, "E_NOT_FOUND", /no snapshot/],
        [fetch(`${companion.url}/api/snapshots/../heatlens.db`), 404, "E_NOT_FOUND", /./],
        [fetch(`${companion.url}/api/snapshots?origin=${SITE}`), 400, "E_SCHEMA", /path is required/],
        [fetch(`${companion.url}/api/snapshots`, { method: "DELETE" }), 405, "E_METHOD", /POST adds one/],
      ];
      for (const [answer, status, code, reason] of cases) {
        const res = await answer;
        const body = (await res.json()) as { code: string; reason: string };
        expect({ status: res.status, code: body.code }).toEqual({ status, code });
        expect(body.reason).toMatch(reason);
      }
      expect(await listed(companion.url)).toEqual([]);
      // Another content type is refused with its body unread: the connection is closed.
      const typed = await upload(companion.url, plainPng(4, 4), snapshotMeta(), { "content-type": "text/plain" });
      expect(typed.status).toBe(415);
      expect(typed.headers.get("connection")).toBe("close");
    } finally {
      await companion.stop();
    }
  });

  it("needs a token with the view role, as the rest of /api does", async () => {
    const dir = tempDataDir("cli-snapshots-auth");
    const capture = await createToken(dir, "capture");
    const view = await createToken(dir, "view");
    const companion = await startHeatlens([], dir);
    try {
      expect((await upload(companion.url, plainPng(4, 4), snapshotMeta())).status).toBe(401);
      const forbidden = await upload(companion.url, plainPng(4, 4), snapshotMeta(), {
        authorization: `Bearer ${capture.token}`,
      });
      expect(forbidden.status).toBe(403);
      const signed = { authorization: `Bearer ${view.token}` };
      expect((await upload(companion.url, plainPng(4, 4), snapshotMeta(), signed)).status).toBe(201);
      expect(await listed(companion.url, "/demo/product/1", signed)).toHaveLength(1);
    } finally {
      await companion.stop();
    }
  });
});

/** The eight bytes every PNG starts with, and then garbage. */
function garbageAfterSignature(): Buffer {
  return Buffer.concat([Buffer.from(PNG_SIGNATURE), Buffer.from("this is no chunk at all, only garbage bytes")]);
}
