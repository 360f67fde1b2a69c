import { describe, expect, it } from "vitest";
import { hostName } from "./admission";

describe("hostName", () => {
  it.each([
    ["localhost:8787", "localhost"],
    ["EVIL.Example.:8787", "evil.example"],
    ["[::1]:8787", "::1"],
    ["[::1]", "::1"],
    ["127.0.0.1", "127.0.0.1"],
    ["dash.example:", "dash.example"],
  ])("reads the name of Host %s as %s", (header, name) => {
    expect(hostName(header)).toBe(name);
  });
});
