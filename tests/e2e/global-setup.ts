/** Builds the extension for both browsers, pointed at the end-to-end companion's port. */
import { spawnSync } from "node:child_process";
import { E2E_DIST, E2E_PORT } from "./harness";

export default function setup(): void {
  const result = spawnSync(process.execPath, ["scripts/build.js"], {
    stdio: "inherit",
    env: { ...process.env, OUT_ROOT: E2E_DIST, HEATLENS_COMPANION_URL: `ws://127.0.0.1:${E2E_PORT}` },
  });
  if (result.status !== 0) throw new Error("building the extension for the end-to-end tests failed");
}
