import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ErrorCode, MAX_CLOSE_REASON_BYTES, REFUSAL } from "../../../protocol/wire";
import { closeReason, refuse } from "./refuse";

describe("closeReason", () => {
  it("is `E_CODE: reason` when it fits", () => {
    expect(closeReason(ErrorCode.unauthorized, "token revoked")).toBe("E_UNAUTHORIZED: token revoked");
  });

  it("cuts a long reason to what a close frame holds, on a character boundary", () => {
    const reason = closeReason(ErrorCode.schema, "é".repeat(200));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(reason).toMatch(/^E_SCHEMA: é+$/);
  });
});

describe("refuse", () => {
  it("answers an HTTP request with the code's status and {code, reason}", async () => {
    const server = createServer((_req, res) => refuse(res, ErrorCode.host, "host evil.example is not served"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    server.close();
    expect(res.status).toBe(REFUSAL.E_HOST.status);
    expect(await res.json()).toEqual({ code: "E_HOST", reason: "host evil.example is not served" });
  });

  it("gives every error code a 4xx/5xx status and a close code", () => {
    for (const code of Object.values(ErrorCode)) {
      expect(REFUSAL[code].status, code).toBeGreaterThanOrEqual(400);
      expect(REFUSAL[code].close, code).toBeGreaterThanOrEqual(1000);
    }
  });
});
