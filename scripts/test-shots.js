#!/usr/bin/env node
// `npm run docs:test-shots`: the end-to-end tests that take pictures the
// README shows, saving them into docs/ (HEATLENS_DOCS_SHOTS, see
// tests/e2e/harness.ts); `npm test` saves them beside its other screenshots.
import { spawnSync } from "node:child_process";
import { ensureBrowsers } from "./browsers.js";

ensureBrowsers();
const files = ["dashboard", "dashboard-compare", "overlay-compare", "overlay-coverage"].map(
  (name) => `tests/e2e/${name}.e2e.test.ts`,
);
const result = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", "--project", "e2e", ...files], {
  stdio: "inherit",
  env: { ...process.env, HEATLENS_DOCS_SHOTS: "1" },
});
process.exit(result.status ?? 1);
