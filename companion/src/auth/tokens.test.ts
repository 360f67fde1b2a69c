import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { TokenStore } from "./tokens";

describe("TokenStore", () => {
  it("requires tokens from the first one created on, even once all are revoked", () => {
    const tokens = TokenStore.open(tempDataDir("tokens"));
    expect(tokens.authRequired()).toBe(false);
    const { info } = tokens.create("only", ["view"]);
    expect(tokens.authRequired()).toBe(true);
    tokens.revoke(info.id);
    expect(tokens.authRequired()).toBe(true);
    tokens.close();
  });

  it("bumps its revision on create and revoke, as another process sharing the file sees it", () => {
    const dir = tempDataDir("tokens");
    const companion = TokenStore.open(dir);
    const cli = TokenStore.open(dir);
    const start = companion.revision();
    const { info } = cli.create("a", ["capture"]);
    expect(companion.revision()).toBe(start + 1);
    cli.revoke(info.id);
    expect(companion.revision()).toBe(start + 2);
    expect(companion.revokedIds()).toEqual(new Set([info.id]));
    expect(cli.revoke(info.id)).toBe(false);
    expect(companion.revision()).toBe(start + 2);
    companion.close();
    cli.close();
  });
});
