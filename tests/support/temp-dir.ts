/** A fresh directory under the system's temporary directory, for a companion's data. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDataDir(label = "companion"): string {
  return mkdtempSync(join(tmpdir(), `heatlens-${label}-`));
}
