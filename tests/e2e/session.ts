/**
 * The usual set-up of an end-to-end describe block: before its first test, a
 * companion on the e2e port and the run's browser with the built extension
 * just installed (borrowBrowser), connected to it; the companion closed and
 * the browser given back after its last test. (Apart from harness.ts, which
 * the benchmarks use outside vitest.)
 */
import { afterAll, beforeAll } from "vitest";
import type { Companion, StartOptions } from "../../companion/src/server";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import { E2E_DIST, startE2ECompanion, waitForConnections } from "./harness";

export function browserSession(
  name: BrowserName,
  use: (companion: Companion, launched: LaunchedBrowser) => void,
  options: StartOptions = {},
): void {
  let companion: Companion | undefined;
  let launched: LaunchedBrowser | undefined;
  beforeAll(async () => {
    companion = await startE2ECompanion(undefined, options);
    launched = await borrowBrowser(name, E2E_DIST);
    await waitForConnections(companion, 1);
    use(companion, launched);
  });
  afterAll(async () => {
    await launched?.close();
    await companion?.close();
  });
}
