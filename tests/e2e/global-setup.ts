/**
 * Builds the extension for both browsers, pointed at the end-to-end
 * companion's port: a free one unless HEATLENS_E2E_PORT names it, so that two
 * test runs on one machine do not collide. The port reaches the test files
 * through the environment their workers inherit.
 */
import { spawnSync } from "node:child_process";
import { freePort } from "../support/free-port";

export default async function setup(): Promise<void> {
  process.env.HEATLENS_E2E_PORT ??= String(await freePort());
  const { E2E_DIST, E2E_PORT } = await import("./harness");
  const result = spawnSync(process.execPath, ["scripts/build.js"], {
    stdio: "inherit",
    env: { ...process.env, OUT_ROOT: E2E_DIST, HEATLENS_COMPANION_URL: `ws://127.0.0.1:${E2E_PORT}` },
  });
  if (result.status !== 0) throw new Error("building the extension for the end-to-end tests failed");
}
