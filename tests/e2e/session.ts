/**
 * The usual set-up of an end-to-end describe block: before its first test, a
 * companion on the e2e port and the browser with the built extension,
 * connected to it; both closed after its last test. (Apart from harness.ts,
 * which the benchmarks use outside vitest.)
 */
import { afterAll, beforeAll } from "vitest";
import type { Companion, StartOptions } from "../../companion/src/server";
import { type BrowserName, type LaunchedBrowser, launchWithExtension } from "./browsers";
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
    launched = await launchWithExtension(name, E2E_DIST);
    await waitForConnections(companion, 1);
    use(companion, launched);
  });
  afterAll(async () => {
    await launched?.close();
    await companion?.close();
  });
}
