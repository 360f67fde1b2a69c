/**
 * Asks the companion why its websocket was refused: follows `nextStep`
 * (diagnose.ts), which decides what to ask and what the answers mean; this
 * only fetches. Needs host access to the companion (loopback comes with the
 * extension; the options page asks for any other host): without it the
 * browser blocks the request and the companion looks as if not running.
 */
import { type Answer, type Diagnosis, type Facts, nextStep } from "./diagnose";

/** A host that drops packets leaves a request hanging: past this, nothing answers. */
const PROBE_TIMEOUT_MS = 5000;

export async function probeCompanion(url: string, token: string): Promise<Diagnosis> {
  const facts: Facts = { url, token };
  for (;;) {
    const step = nextStep(facts);
    if ("diagnosis" in step) return step.diagnosis;
    facts[step.ask] = await ask(step.url, step.ask === "whoami" ? { authorization: `Bearer ${token}` } : {});
  }
}

async function ask(url: string, headers: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(url, {
      headers,
      cache: "no-store",
      credentials: "omit",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  } catch (error) {
    return { unreachable: (error as Error).message };
  }
}
