/** The companion prints the addresses it really listens on, also when started through `npm start`. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";
import { eventually, get, ROOT, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";

describe("the banner", () => {
  it("names the companion, dashboard, demo shop and extension URLs with the real port", async () => {
    const companion = await startHeatlens(["--port", "0"]);
    try {
      expect(companion.port).toBeGreaterThan(0);
      const base = `http://127.0.0.1:${companion.port}`;
      expect(companion.stdout()).toContain(`Heatlens companion listening on ${base}`);
      expect(companion.stdout()).toContain(`Dashboard:      ${base}/`);
      expect(companion.stdout()).toContain(`Demo shop:      ${base}/demo/`);
      expect(companion.stdout()).toContain(`Extension URL:  ws://127.0.0.1:${companion.port}`);
      expect((await get(`${base}/demo/`)).status).toBe(200);
    } finally {
      await companion.stop();
    }
    // SIGTERM (and Ctrl-C's SIGINT) close the companion cleanly.
    expect(await companion.exited).toBe(0);
  });

  it("npm start -- --port=N builds the extension and shows port N", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const child = spawn("npm", ["start", "--", `--port=${port}`, "--data-dir", tempDataDir("cli-start")], {
      cwd: ROOT,
      env: { ...process.env, OUT_ROOT: tempDataDir("cli-start-dist") },
      detached: true,
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    try {
      await eventually(async () => (/listening on/.test(stdout) ? true : undefined), 100_000, "the banner");
      expect(stdout).toContain(`Demo shop:      http://127.0.0.1:${port}/demo/`);
      expect(stdout).toContain("Load unpacked");
      expect(stdout).not.toContain(":8787");
      expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      // npm, the start script and the companion share the process group started here.
      process.kill(-(child.pid as number), "SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
});
