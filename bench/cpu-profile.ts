/**
 * The functions and the lines that took the most of a V8 CPU profile's time (self time).
 * `node companion/bin/run-ts.js bench/cpu-profile.ts FILE.cpuprofile` prints them for any profile.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  /** Samples by line of the script (1-based). */
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Names a place (url, 1-based line, 0-based column) in a profiled script as `file:line`. */
type Placer = (url: string, line: number, column: number) => string;

const plainPlace: Placer = (url, line) => (url ? `${url.split("/").pop()}:${line}` : "(native)");

/**
 * A placer for a profile of a script built with a source map (`script`): its
 * places are named by the source file and line they came from.
 */
export function mappedPlacer(script: string): Placer {
  const map = new SourceMap(JSON.parse(readFileSync(`${script}.map`, "utf8")));
  const name = `/${script.split("/").pop()}`;
  return (url, line, column) => {
    if (!url.endsWith(name)) return plainPlace(url, line, column);
    const found = map.findEntry(line - 1, column) as { originalSource?: string; originalLine?: number };
    if (!found.originalSource) return plainPlace(url, line, column);
    const source = found.originalSource.startsWith("file:")
      ? fileURLToPath(found.originalSource)
      : resolve(dirname(script), found.originalSource);
    return `${relative(process.cwd(), source)}:${(found.originalLine ?? 0) + 1}`;
  };
}

function shares(totals: Map<string, number>, total: number, top: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

/** The `top` functions by self time, as lines "share %  name file:line". */
export function topSelfTime(file: string, top = 20, place: Placer = plainPlace): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = (byNode.get(id) as ProfileNode).callFrame;
    const name = `${frame.functionName || "(anonymous)"} ${place(frame.url, frame.lineNumber + 1, frame.columnNumber)}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return shares(self, total, top);
}

/**
 * The `top` lines by self time (their share of the samples), as lines
 * "share %  file:line (function)": where in a function its time went.
 */
export function topLines(file: string, top = 30, place: Placer = plainPlace): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const lines = new Map<string, number>();
  for (const node of profile.nodes) {
    for (const { line, ticks } of node.positionTicks ?? []) {
      const name = `${place(node.callFrame.url, line, 0)} (${node.callFrame.functionName || "anonymous"})`;
      lines.set(name, (lines.get(name) ?? 0) + ticks);
    }
  }
  return shares(lines, profile.samples.length, top);
}

if (process.argv[1]?.endsWith("cpu-profile.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: cpu-profile.ts FILE.cpuprofile");
  for (const line of topSelfTime(file)) console.log(line);
}
