/**
 * `npm run bench:profile [-- --tagged]`: the companion under closed-loop ingest from 20
 * connections (`--tagged`: anchors, build label and signals on every batch) with `--cpu-prof`, then the functions that took the most of its
 * CPU time (self time), from the profile it wrote on exit.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { topSelfTime } from "./cpu-profile";
import { CompanionProcess, saturate } from "./sockets";

const dir = mkdtempSync(join(tmpdir(), "heatlens-prof-"));
const companion = await CompanionProcess.start("bench/companion-process.ts", ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
const tagged = process.argv.includes("--tagged");
const run = await saturate(companion, 20, 8, 4, tagged);
await companion.stop();
console.log(`companion, 20 connections: ${Math.round(run.eventsPerSec).toLocaleString("en")} points/s acked\n`);

// The main thread's profile is the first one written (the loader's thread writes another).
const file = readdirSync(dir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort()[0];
if (!file) throw new Error(`no profile written in ${dir}`);
for (const line of topSelfTime(join(dir, file))) console.log(line);
console.log(`\nprofile: ${join(dir, file)}`);
