/**
 * The real `heatlens` binary as a user runs it: started on a port, with its
 * pino "companion listening" line awaited, and its `token` subcommands.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const BIN = fileURLToPath(new URL("../../companion/bin/heatlens.js", import.meta.url));

export interface Running {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `heatlens` with `args` and resolves once it listens; rejects with its output if it exits first. */
export function startBinary(args: string[], timeoutMs = 20_000): Promise<Running> {
  const child = spawn(process.execPath, [BIN, "--log-level", "info", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.stderr.on("data", (chunk) => {
    err += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`heatlens did not listen within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`heatlens exited with ${code} before listening:\n${out}\n${err}`));
    });
    child.stdout.on("data", (chunk) => {
      out += chunk;
      for (const line of out.split("\n")) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg !== "companion listening" || !entry.url) continue;
        clearTimeout(timer);
        const url = entry.url;
        resolve({
          url,
          port: Number(new URL(url).port),
          pid: child.pid as number,
          process: child,
          exited,
          stderr: () => err,
          async stop() {
            if (child.exitCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
        return;
      }
    });
  });
}

/** Runs `heatlens args…` to completion (a token subcommand, or a start expected to fail). */
export async function runBinary(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Creates a token with the real `token create`; returns the secret and its id. */
export async function createToken(dataDir: string, roles: string): Promise<{ token: string; id: string }> {
  const { code, stdout, stderr } = await runBinary(["token", "create", "--role", roles, "--data-dir", dataDir]);
  if (code !== 0) throw new Error(`token create failed: ${stderr}`);
  const token = stdout
    .trim()
    .split("\n")
    .find((line) => line.startsWith("hl_")) as string;
  return { token, id: token.split("_")[1] as string };
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
