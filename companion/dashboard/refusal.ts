/**
 * What the dashboard says when the companion refuses a request: each refusal
 * by what it is (the cluster, the companion's storage, a starting companion),
 * with the companion's reason, so that a refused answer never reads as an
 * unreachable companion nor as a team without heat. Network failures are not
 * refusals and are told apart by the caller.
 */
import { ErrorCode } from "../../protocol/wire";

/** A refused request: the companion's code (null when its answer had none) and what to show. */
export class Refused extends Error {
  constructor(
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

const WHAT: Partial<Record<string, string>> = {
  [ErrorCode.cluster]: "The cluster cannot be reached",
  [ErrorCode.storage]: "The companion cannot store points",
  [ErrorCode.starting]: "The companion is starting",
  [ErrorCode.unauthorized]: "Your token was refused",
  [ErrorCode.forbidden]: "Your token may not view",
};

/** The refusal of `what` (a path) from its status and body (`{code, reason}`, or anything else a proxy may send). */
export function refusalOf(what: string, status: number, body: unknown): Refused {
  const { code, reason } = (typeof body === "object" && body !== null ? body : {}) as {
    code?: unknown;
    reason?: unknown;
  };
  if (typeof code !== "string" || typeof reason !== "string") {
    return new Refused(null, `The companion answered ${what} with HTTP ${status}`);
  }
  return new Refused(code, `${WHAT[code] ?? `The companion refused ${what} (${code})`}: ${reason}`);
}
