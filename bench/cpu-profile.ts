/**
 * The functions that took the most of a V8 CPU profile's time (self time).
 * `node companion/bin/run-ts.js bench/cpu-profile.ts FILE.cpuprofile` prints them for any profile.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The `top` functions by self time, as lines "share %  name file:line". */
export function topSelfTime(file: string, top = 20): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
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
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

if (process.argv[1]?.endsWith("cpu-profile.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: cpu-profile.ts FILE.cpuprofile");
  for (const line of topSelfTime(file)) console.log(line);
}
