/**
 * A fresh directory for a companion's data: under the test run's own
 * directory (temp-root.ts), removed when the run ends, else under the
 * system's temporary directory, removed when this process exits (a benchmark
 * at saturation leaves hundreds of megabytes in one, and runs add up).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

export function tempDataDir(label = "companion"): string {
  const dir = mkdtempSync(join(process.env.HEATLENS_TEMP_ROOT ?? tmpdir(), `heatlens-${label}-`));
  if (made.size === 0) {
    process.once("exit", () => {
      for (const each of made) rmSync(each, { recursive: true, force: true });
    });
  }
  made.add(dir);
  return dir;
}
