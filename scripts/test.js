#!/usr/bin/env node
// `npm test`: type check, lint, unit and integration tests, then the
// end-to-end tests in Chromium and Firefox. Stops at the first failure.
import { spawnSync } from "node:child_process";
import { ensureBrowsers } from "./browsers.js";

ensureBrowsers();
const steps = [
  ["type check", ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["lint", ["node_modules/@biomejs/biome/bin/biome", "check", "."]],
  ["tests", ["node_modules/vitest/vitest.mjs", "run"]],
];
for (const [name, args] of steps) {
  console.log(`\n▶ ${name}`);
  const result = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`\n✖ ${name} failed`);
    process.exit(result.status ?? 1);
  }
}
