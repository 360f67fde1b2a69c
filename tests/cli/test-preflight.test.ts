/** `npm test` checks what its tests drive before running any: a Firefox too old for them stops it at once, naming the command. */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the repository's scripts, without types
import { BROWSERS, problem } from "../../scripts/browsers.js";
import { ROOT } from "../support/heatlens";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in for `firefox-esr` that prints `version` as Firefox does. */
function fakeFirefox(version: string): string {
  // Right in the temporary directory, so that a user without root (below) reaches it too.
  const dir = mkdtempSync(join(tmpdir(), "heatlens-fake-firefox-"));
  made.push(dir);
  chmodSync(dir, 0o755);
  const path = join(dir, "firefox-esr");
  writeFileSync(path, `#!/bin/sh\necho "Mozilla Firefox ${version}"\n`);
  chmodSync(path, 0o755);
  return path;
}

const firefox = (BROWSERS as { package: string }[]).find((b) => b.package === "firefox-esr");

describe("npm test's check of the browsers", () => {
  it("stops before any test when Firefox ESR is older than the tests need, and names the command that updates it", () => {
    const old = fakeFirefox("140.12.0esr");
    const env = { ...process.env, HEATLENS_FIREFOX: old };
    // As a user without root, who cannot install: as root, the check would install instead.
    const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "nobody", "--"] : [];
    const [command, ...args] = [...asUser, process.execPath, "scripts/test.js"];
    const run = spawnSync(command as string, args, { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Firefox ESR 140.12.0esr (${old}) is older than 153`);
    expect(run.stderr).toContain("apt-get update && apt-get install -y firefox-esr");
    expect(run.stdout).not.toContain("type check");
  });

  it("takes a Firefox ESR as new as the tests need", () => {
    expect(problem({ ...firefox, path: fakeFirefox("140.12.0esr") })).toMatch(/older than 153/);
    expect(problem({ ...firefox, path: fakeFirefox("153.8.0esr") })).toBeNull();
    expect(problem({ ...firefox, path: fakeFirefox("160.0esr") })).toBeNull();
    expect(problem({ ...firefox, path: "/nonexistent/firefox-esr" })).toMatch(/is missing/);
  });
});
