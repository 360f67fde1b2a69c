/**
 * `npm run bench:profile [-- --tagged]`: the companion under closed-loop ingest from 20
 * connections (`--tagged`: anchors, build label and signals on every batch) with `--cpu-prof`, then the functions
 * and the lines that took the most of its CPU time (self time), from the profile it wrote on exit.
 *
 * The companion's main thread runs as one module built with esbuild (and a source map), not through tsx as
 * usual: tsx writes each module on one line, which leaves a profile no lines to tell apart.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { mappedPlacer, topLines, topSelfTime } from "./cpu-profile";
import { CompanionProcess, saturate } from "./sockets";

// Beside the store's modules, which find their threads' entries from where they run.
const script = `companion/src/store/.profile-${process.pid}.mjs`;
await build({
  entryPoints: ["bench/companion-process.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  sourcemap: "external",
  outfile: script,
  logLevel: "error",
});
const dir = mkdtempSync(join(tmpdir(), "heatlens-prof-"));
try {
  const companion = await CompanionProcess.start(script, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  const tagged = process.argv.includes("--tagged");
  const run = await saturate(companion, 20, 8, 4, tagged);
  await companion.stop();
  console.log(`companion, 20 connections: ${Math.round(run.eventsPerSec).toLocaleString("en")} points/s acked\n`);

  // The main thread's profile is the first one written (the store's threads write others).
  const file = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()[0];
  if (!file) throw new Error(`no profile written in ${dir}`);
  const place = mappedPlacer(script);
  for (const line of topSelfTime(join(dir, file), 20, place)) console.log(line);
  console.log("\nlines:");
  for (const line of topLines(join(dir, file), 30, place)) console.log(line);
  console.log(`\nprofile: ${join(dir, file)}`);
} finally {
  rmSync(script, { force: true });
  rmSync(`${script}.map`, { force: true });
}
