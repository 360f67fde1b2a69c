/**
 * Vitest global setup: one directory under the system's temporary directory
 * holds every data directory the run's tests make (temp-dir.ts), and is
 * removed when the run ends, so that `npm test` leaves nothing behind. The
 * path reaches the test files through the environment their workers inherit;
 * a second project's setup finds it set and leaves it to the first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): (() => void) | undefined {
  if (process.env.HEATLENS_TEMP_ROOT) return undefined;
  const root = mkdtempSync(join(tmpdir(), "heatlens-run-"));
  process.env.HEATLENS_TEMP_ROOT = root;
  return () => rmSync(root, { recursive: true, force: true });
}
