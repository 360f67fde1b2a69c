#!/usr/bin/env node
// `npm start`: builds the extension for both browsers, says how to load it,
// then runs the companion (127.0.0.1:8787 with the demo shop by default), which
// prints the addresses it really listens on. Extra arguments go to the companion.
import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

const build = spawnSync(process.execPath, ["scripts/build.js"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

console.log(`
Load the extension:
  Chrome:   chrome://extensions → Developer mode → Load unpacked → ${resolve("dist/chrome")}
  Firefox:  about:debugging#/runtime/this-firefox → Load Temporary Add-on → ${resolve("dist/firefox/manifest.json")}

Move the mouse on the demo shop, then open the Heatlens popup and tick "Show heatmap".
`);
const companion = spawn(process.execPath, ["companion/bin/heatlens.js", ...process.argv.slice(2)], {
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => companion.kill(signal));
companion.on("exit", (code) => process.exit(code ?? 0));
