/**
 * `heatlens token create|list|revoke` through the real binary: each honours
 * `--data-dir` given after the subcommand and before `token`, and the first
 * token says that every client now needs one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { get, heatlens, ROOT, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";

const placements = {
  "after the subcommand": (dir: string, ...command: string[]) => ["token", ...command, "--data-dir", dir],
  "before token": (dir: string, ...command: string[]) => ["--data-dir", dir, "token", ...command],
};

describe.each(Object.entries(placements))("token commands with --data-dir %s", (_, argv) => {
  it("create writes to that directory, list shows it there, revoke revokes it there", async () => {
    const dir = join(tempDataDir("cli-tokens"), "team");
    const created = await heatlens(argv(dir, "create", "--role", "view", "--name", "Dashboard"));
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^hl_[0-9a-f]{8}_/);
    const id = secret.split("_")[1] as string;
    expect(existsSync(join(dir, "heatlens.db"))).toBe(true);
    expect(existsSync(join(ROOT, ".heatlens"))).toBe(false);

    const listed = await heatlens(argv(dir, "list"));
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+view\\s+active\\s+Dashboard$`, "m"));
    expect(listed.stdout).not.toContain(secret);
    expect((await heatlens(argv(tempDataDir("cli-other"), "list"))).stdout).not.toContain(id);

    const revoked = await heatlens(argv(dir, "revoke", id));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${id}`);
    expect((await heatlens(argv(dir, "list"))).stdout).toMatch(new RegExp(`^${id}\\s+view\\s+revoked `, "m"));
    const again = await heatlens(argv(dir, "revoke", id));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`no active token ${id}`);
  });

  it("refuses a name that would break token list's lines, exit 2, and stores a role given twice once", async () => {
    const dir = tempDataDir("cli-token-names");
    for (const name of ["evil\u001b[31mred", "two\nlines", "x".repeat(65)]) {
      const refused = await heatlens(argv(dir, "create", "--role", "view", "--name", name));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/a name (holds no control characters|is at most 64 characters)/);
    }
    const created = await heatlens(argv(dir, "create", "--role", "capture,capture,view", "--name", "Ana's browser"));
    expect(created.code, created.stderr).toBe(0);
    const listed = (await heatlens(argv(dir, "list"))).stdout.trim().split("\n");
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatch(/^[0-9a-f]{8}\s+capture,view\s+active\s+Ana's browser$/);
  });
});

describe("the first token", () => {
  it("says that every browser and the dashboard now need a token, and where to give it; the second does not", async () => {
    const dir = tempDataDir("cli-first");
    const first = await heatlens(["token", "create", "--role", "capture,view", "--data-dir", dir]);
    expect(first.stderr).toMatch(/from now on every browser and the dashboard need one/);
    expect(first.stderr).toMatch(/Options → Token/);
    expect(first.stderr).toMatch(/Dashboard: sign in with a view token/);
    const second = await heatlens(["token", "create", "--role", "view", "--data-dir", dir]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/from now on/);
  });

  it("a token created for a data directory is required by the companion started on it", async () => {
    const dir = tempDataDir("cli-required");
    const token = (await heatlens(["--data-dir", dir, "token", "create", "--role", "view"])).stdout.trim();
    const companion = await startHeatlens([], dir);
    try {
      expect((await get(`${companion.url}/api/pages`)).status).toBe(401);
      expect((await get(`${companion.url}/api/pages`, { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await companion.stop();
    }
  });
});

/** POSTs a sign-in form to the dashboard, without following its redirect. */
async function signIn(base: string, body: string): Promise<Response> {
  return fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    redirect: "manual",
  });
}

describe("the dashboard's sign-in", () => {
  it("takes a view token posted to /login into an HttpOnly cookie, and says why another is refused", async () => {
    const dir = tempDataDir("cli-sign-in");
    const view = (await heatlens(["token", "create", "--role", "view", "--data-dir", dir])).stdout.trim();
    const capture = (await heatlens(["token", "create", "--role", "capture", "--data-dir", dir])).stdout.trim();
    const companion = await startHeatlens([], dir);
    try {
      const accepted = await signIn(companion.url, new URLSearchParams({ token: view }).toString());
      expect(accepted.status).toBe(303);
      expect(accepted.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Strict/);
      const lacking = await signIn(companion.url, new URLSearchParams({ token: capture }).toString());
      expect(lacking.status).toBe(401);
      expect(await lacking.text()).toContain("it lacks the view role");
      const unknown = await signIn(companion.url, "token=hl_00000000_x");
      expect(await unknown.text()).toContain("the companion does not know it");
      // A form past 4 KiB is refused, not read.
      const huge = await signIn(companion.url, `token=${"x".repeat(5000)}`);
      expect(huge.status).toBe(401);
      expect(await huge.text()).toContain("The sign-in form could not be read.");
      // A token in the URL is not taken.
      expect((await get(`${companion.url}/?token=${view}`)).status).toBe(401);
    } finally {
      await companion.stop();
    }
  });
});
