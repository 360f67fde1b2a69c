/**
 * `npm run bench:profile [-- --tagged]`: the companion under closed-loop ingest from 20
 * connections (`--tagged`: anchors, build label and signals on every batch) with `--cpu-prof`, then the functions that took the most of its
 * CPU time (self time), from the profile it wrote on exit.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompanionProcess, saturate } from "./sockets";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

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
const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const frame = (byNode.get(id) as ProfileNode).callFrame;
  const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber + 1}`;
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
});
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}
console.log(`\nprofile: ${join(dir, file)}`);
