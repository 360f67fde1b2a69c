#!/usr/bin/env node
// Builds the unpacked extension for Chrome and Firefox: dist/chrome/, dist/firefox/.
// Extra environment (HEATLENS_COMPANION_URL, OUT_ROOT) is passed to each build.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = process.env.OUT_ROOT ?? "dist";
for (const target of ["chrome", "firefox"]) {
  const result = spawnSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--logLevel", "warn"], {
    stdio: "inherit",
    env: { ...process.env, TARGET: target, OUT_DIR: join(root, target) },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`built ${join(root, target)}/`);
}
