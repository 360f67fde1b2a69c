/** TLS: given a certificate and key, the companion serves https and wss, and nothing in the clear. */
import { writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion;
let ca: string;

beforeAll(async () => {
  const dir = tempDataDir("tls");
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  ca = pems.cert;
  writeFileSync(join(dir, "cert.pem"), pems.cert);
  writeFileSync(join(dir, "key.pem"), pems.private);
  companion = await startCompanion({
    port: 0,
    dataDir: dir,
    logLevel: "silent",
    tlsCert: join(dir, "cert.pem"),
    tlsKey: join(dir, "key.pem"),
  });
});

afterAll(() => companion.close());

describe("TLS", () => {
  it("serves https", async () => {
    expect(companion.url).toMatch(/^https:/);
    const status = await new Promise<number>((resolve, reject) =>
      get(`${companion.url}/healthz`, { ca }, (res) => resolve(res.statusCode ?? 0)).on("error", reject),
    );
    expect(status).toBe(200);
  });

  it("serves wss, with the certificate checked", async () => {
    const ws = new WebSocket(`${companion.url.replace("https", "wss")}/ws`, ["heatlens.v1"], { ca });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const welcome = new Promise((resolve) => ws.once("message", (data) => resolve(JSON.parse(String(data)).type)));
    ws.send(JSON.stringify({ type: "hello", v: 2, client: "tls" }));
    expect(await welcome).toBe("welcome");
    ws.terminate();
  });

  it("refuses a client that does not trust the certificate, and plain websockets", async () => {
    const untrusting = new WebSocket(`${companion.url.replace("https", "wss")}/ws`);
    await expect(
      new Promise((resolve, reject) => {
        untrusting.once("open", resolve);
        untrusting.once("error", reject);
      }),
    ).rejects.toThrow(/self-signed|certificate/);
    const plain = new WebSocket(`${companion.url.replace("https", "ws")}/ws`);
    await expect(
      new Promise((resolve, reject) => {
        plain.once("open", resolve);
        plain.once("error", reject);
      }),
    ).rejects.toThrow();
  });
});
