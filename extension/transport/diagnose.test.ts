import { describe, expect, it } from "vitest";
import type { LinkStatus } from "../../protocol/messages";
import { type Answer, describeLink, type Facts, linkTitle, nextStep } from "./diagnose";

const URL = "ws://127.0.0.1:8787";
const TOKEN = "hl_0a1b2c3d_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";
const companion = (tokens: boolean, status = 200): Answer => ({
  status,
  body: { ok: status === 200, server: "heatlens-companion/0.1.0", tokens },
});
const diagnosis = (facts: Facts) => {
  const step = nextStep(facts);
  if (!("diagnosis" in step)) throw new Error(`asks ${step.ask} first`);
  return step.diagnosis;
};

describe("what to ask", () => {
  it("asks /healthz first, over https for a wss:// companion", () => {
    expect(nextStep({ url: URL, token: "" })).toEqual({ ask: "health", url: "http://127.0.0.1:8787/healthz" });
    expect(nextStep({ url: "wss://qa-box:9443/ws", token: "" })).toEqual({
      ask: "health",
      url: "https://qa-box:9443/healthz",
    });
  });

  it("asks /api/whoami once the companion requires tokens and one is set", () => {
    expect(nextStep({ url: URL, token: TOKEN, health: companion(true) })).toEqual({
      ask: "whoami",
      url: "http://127.0.0.1:8787/api/whoami",
    });
  });
});

describe("wrong address", () => {
  it.each([
    ["not a URL", "ws//127.0.0.1"],
    ["not a websocket URL", "http://127.0.0.1:8787"],
  ])("when the URL is %s, without asking anything", (_label, url) => {
    expect(diagnosis({ url, token: "" })).toMatchObject({
      state: "wrong-address",
      reason: expect.stringContaining(url),
    });
  });

  it.each<[string, Answer]>([
    ["a page that is not JSON", { status: 200, body: null }],
    ["a 404", { status: 404, body: null }],
    ["JSON without the companion's name", { status: 200, body: { ok: true } }],
    ["another server's name", { status: 200, body: { ok: true, server: "nginx", tokens: true } }],
  ])("when what answers /healthz is %s", (_label, health) => {
    expect(diagnosis({ url: URL, token: "", health })).toEqual({
      state: "wrong-address",
      reason: `127.0.0.1:8787 answers, but not as a Heatlens companion (HTTP ${(health as { status: number }).status})`,
    });
  });
});

describe("not running", () => {
  it("when nothing answers at the host and port", () => {
    expect(diagnosis({ url: URL, token: "", health: { unreachable: "Failed to fetch" } })).toEqual({
      state: "not-running",
      reason: "nothing answers at 127.0.0.1:8787",
    });
  });

  it("when it stops answering between the two questions", () => {
    const facts = { url: URL, token: TOKEN, health: companion(true), whoami: { unreachable: "reset" } };
    expect(diagnosis(facts).state).toBe("not-running");
  });
});

describe("needs a token", () => {
  it("when the companion requires tokens and none is set, even while its storage fails (503)", () => {
    for (const status of [200, 503]) {
      expect(diagnosis({ url: URL, token: "", health: companion(true, status) })).toEqual({
        state: "needs-token",
        reason: "the companion at 127.0.0.1:8787 requires a token",
      });
    }
  });
});

describe("token refused", () => {
  const refused = (whoami: Answer) => diagnosis({ url: URL, token: TOKEN, health: companion(true), whoami });

  it.each([
    ["revoked", "this token was revoked"],
    ["unknown", "the companion does not know this token"],
  ])("says when the token is %s", (which, reason) => {
    const body = { code: "E_UNAUTHORIZED", reason: "…", refused: which };
    expect(refused({ status: 401, body })).toEqual({ state: "token-refused", reason });
  });

  it("says when the token holds none of the roles the extension connects with", () => {
    const body = { tokens: true, token: { id: "0a1b2c3d", name: "x", roles: ["export"] } };
    expect(refused({ status: 200, body })).toEqual({
      state: "token-refused",
      reason: "this token lacks the capture and view roles",
    });
  });

  it("passes on the companion's reason for any other refusal of the token", () => {
    const body = { code: "E_FORBIDDEN", reason: "this token lacks the view role" };
    expect(refused({ status: 403, body })).toEqual({
      state: "token-refused",
      reason: "this token lacks the view role",
    });
  });

  it("without asking, when the token holds characters that cannot be sent", () => {
    expect(diagnosis({ url: URL, token: "hl_é", health: companion(true) }).state).toBe("token-refused");
  });
});

describe("the companion accepts us: the refusal had another reason", () => {
  it.each([
    ["no token is required", { url: URL, token: "", health: companion(false) }],
    ["a token is set though none is required", { url: URL, token: TOKEN, health: companion(false) }],
    [
      "the token is accepted with the capture role",
      {
        url: URL,
        token: TOKEN,
        health: companion(true),
        whoami: { status: 200, body: { tokens: true, token: { id: "0a1b2c3d", name: "x", roles: ["capture"] } } },
      },
    ],
    ["whoami is not served", { url: URL, token: TOKEN, health: companion(true), whoami: { status: 404, body: null } }],
  ])("when %s", (_label, facts) => {
    expect(diagnosis(facts as Facts)).toMatchObject({ state: "closed", reason: expect.stringContaining("127.0.0.1") });
  });
});

describe("the words for each state", () => {
  const states: LinkStatus["state"][] = [
    "open",
    "connecting",
    "closed",
    "needs-token",
    "token-refused",
    "not-running",
    "wrong-address",
  ];

  it("give each state its own headline, and each problem something to do", () => {
    const words = states.map((state) => describeLink({ state, lastError: null }));
    expect(new Set(words.map((w) => w.headline)).size).toBe(states.length);
    for (const [i, state] of states.entries()) {
      if (["needs-token", "token-refused", "not-running", "wrong-address"].includes(state)) {
        expect(words[i]?.todo).toMatch(/Options|Start/);
      }
    }
  });

  it("put the state, the reason and what to do in the toolbar button's tooltip", () => {
    expect(linkTitle({ state: "token-refused", lastError: "this token was revoked" })).toBe(
      "Heatlens · Token refused — this token was revoked. Enter a valid token in Options → Token.",
    );
    expect(linkTitle({ state: "needs-token", lastError: "the companion at qa-box:8787 requires a token" })).toBe(
      "Heatlens · Needs a token — the companion at qa-box:8787 requires a token. Enter one in Options → Token.",
    );
  });

  it("leave out a stale error once connected", () => {
    expect(linkTitle({ state: "open", lastError: "E_RATE: too many points" })).toBe("Heatlens · Connected");
  });
});
