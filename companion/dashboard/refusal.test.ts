import { describe, expect, it } from "vitest";
import { refusalOf } from "./refusal";

describe("refusalOf", () => {
  it("says what each refusal is, with the companion's reason", () => {
    const reason = "NATS at nats://10.0.0.5:4222 is unreachable, so the live pages cannot be gathered";
    expect(refusalOf("/api/team", 503, { code: "E_CLUSTER", reason })).toMatchObject({
      code: "E_CLUSTER",
      message: `The cluster cannot be reached: ${reason}`,
    });
    expect(refusalOf("/healthz", 503, { code: "E_STORAGE", reason: "storage failing: SQLITE_FULL" }).message).toBe(
      "The companion cannot store points: storage failing: SQLITE_FULL",
    );
    expect(refusalOf("/api/team", 401, { code: "E_UNAUTHORIZED", reason: "unknown or revoked token" }).message).toBe(
      "Your token was refused: unknown or revoked token",
    );
  });

  it("names the code of a refusal it has no words for, and the status of an answer without one", () => {
    expect(refusalOf("/api/tags", 400, { code: "E_SCHEMA", reason: "origin is required" }).message).toBe(
      "The companion refused /api/tags (E_SCHEMA): origin is required",
    );
    expect(refusalOf("/api/team", 502, "<html>Bad Gateway</html>")).toMatchObject({
      code: null,
      message: "The companion answered /api/team with HTTP 502",
    });
  });
});
