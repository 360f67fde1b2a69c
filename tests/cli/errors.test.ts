/**
 * Usage problems through the real binary: a clear message naming what is wrong,
 * exit code 2, never a stack trace or a library's internal message, and never a hang.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { heatlens, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";

const STACK = /\n\s+at |node:internal|Error: /;

describe("heatlens refuses bad values", () => {
  it.each([
    [["--port", "abc"], /--port .*not a whole number: abc/],
    [["--hop", "x"], /--hop .*not a duration: x/],
    [["--log-level", "loud"], /--log-level .*loud.* fatal, error, warn, info, debug, silent/],
    [["--max-frame-bytes", "lots"], /--max-frame-bytes .*not a size: lots/],
    [["--port", "70000"], /--port must be at most 65535, not 70000/],
    [["--cols", "0"], /--cols must be at least 1, not 0/],
    [["--windows", "10s,15s", "--hop", "4s"], /window 10000ms is not a multiple of the 4000ms hop/],
    [["--windows", "1m,1m", "--default-window", "1m"], /--windows must not repeat a length/],
    [["tokens"], /unknown command tokens: the command is token \(create, list, revoke\), or none to run the companion/],
    [["--tls-cert", "cert.pem"], /--tls-cert and --tls-key go together/],
    [
      ["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"],
      /cannot read \/nonexistent\/cert\.pem: no such file/,
    ],
  ])("heatlens %j: exit 2 with %s", async (args, message) => {
    const run = await heatlens([...args, "--data-dir", tempDataDir("cli-bad")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^heatlens: /);
    expect(run.stderr).not.toMatch(STACK);
  });
});

describe("heatlens names the cause alone", () => {
  it.each([
    ["0", "heatlens: --hop must be at least 10, not 0\n"],
    ["2m", "heatlens: --hop must be at most 60000, not 120000\n"],
  ])("a --hop %s it refuses, without a line for every window measured by it", async (hop, said) => {
    const run = await heatlens(["--hop", hop, "--data-dir", tempDataDir("cli-hop")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(said);
  });
});

describe("heatlens says which file or name is wrong when it cannot start, exit 2", () => {
  it("a --host that names nothing", async () => {
    const args = ["--host", "no-such-host.invalid", "--allow-unauthenticated", "--port", "0"];
    const run = await heatlens([...args, "--data-dir", tempDataDir("cli-host")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "no-such-host.invalid is no name this machine can listen on; choose another with --host",
    );
    expect(run.stderr).not.toMatch(STACK);
  });

  it("--tls-cert and --tls-key files that hold no PEM", async () => {
    const dir = tempDataDir("cli-pem");
    const file = join(dir, "not.pem");
    writeFileSync(file, "not a certificate\n");
    const run = await heatlens(["--tls-cert", file, "--tls-key", file, "--port", "0", "--data-dir", join(dir, "d")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--tls-cert ${file} and --tls-key ${file} are no PEM certificate and key`);
    expect(run.stderr).not.toMatch(STACK);
  });

  it("a heatlens.db that is no database", async () => {
    const dir = tempDataDir("cli-notadb");
    writeFileSync(join(dir, "heatlens.db"), "x".repeat(4096));
    const run = await heatlens(["--port", "0", "--data-dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${join(dir, "heatlens.db")} is not a Heatlens database, or is damaged (SQLITE_NOTADB`,
    );
    expect(run.stderr).toContain("move it away, or give another --data-dir");
    expect(run.stderr).not.toMatch(STACK);
  });
});

describe("heatlens checks its data directory before anything else", () => {
  it("creates a missing data directory private (0700) and its database files 0600", async () => {
    const dir = join(tempDataDir("cli-private"), "a", "b");
    const companion = await startHeatlens([], dir);
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const file of ["heatlens.db", "heatlens.db-wal", "heatlens.db-shm"]) {
        expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
      }
    } finally {
      await companion.stop();
    }
  });

  it("makes an existing world-readable database private", async () => {
    const dir = tempDataDir("cli-chmod");
    writeFileSync(join(dir, "heatlens.db"), "", { mode: 0o644 });
    const companion = await startHeatlens([], dir);
    await companion.stop();
    expect(statSync(join(dir, "heatlens.db")).mode & 0o777).toBe(0o600);
  });

  it("a data directory that exists but is not writable: exit 2, naming the path and the reason", async () => {
    // Nobody, root included, can create files in /proc.
    const run = await heatlens(["--data-dir", "/proc", "--port", "0"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E_DATA_DIR: cannot use \/proc as the data directory: it is not writable/);
    expect(run.stderr).not.toMatch(STACK);
  });

  it("a data directory under a regular file: exit 2, naming the path and the reason", async () => {
    const file = join(tempDataDir("cli-file"), "file");
    writeFileSync(file, "");
    const run = await heatlens(["--data-dir", join(file, "data"), "--port", "0"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot use ${join(file, "data")} as the data directory`);
    expect(run.stderr).toMatch(/a part of the path is a file/);
  });

  it("--data-dir /proc/x fails fast, naming the path", async () => {
    const run = await heatlens(["--data-dir", "/proc/x", "--port", "0"], 5000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot use \/proc\/x as the data directory: cannot create it/);
    expect(run.ms).toBeLessThan(5000);
  });

  it("token commands check it the same way", async () => {
    const run = await heatlens(["token", "list", "--data-dir", "/proc/x"], 5000);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot use \/proc\/x as the data directory/);
  });
});

describe("heatlens refuses an address it must not or cannot serve", () => {
  it("a LAN address without tokens: exit 2, saying how to create one", async () => {
    const run = await heatlens(["--host", "0.0.0.0", "--port", "0", "--data-dir", tempDataDir("cli-lan")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing to serve 0\.0\.0\.0 without tokens/);
    expect(run.stderr).toMatch(/heatlens token create --role capture,view --data-dir /);
  });

  it("an address that is not this machine's: exit 2, naming it", async () => {
    // 192.0.2.0/24 is reserved for documentation: no machine has it.
    const args = ["--host", "192.0.2.1", "--allow-unauthenticated", "--port", "0"];
    const run = await heatlens([...args, "--data-dir", tempDataDir("cli-addr")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("192.0.2.1 is not an address of this machine; choose another with --host");
    expect(run.stderr).not.toMatch(STACK);
  });
});

describe("heatlens on a data directory binned on another grid", () => {
  it("refuses other --cols or --bands, exit 2, naming the grid its points are on; starts again on that grid", async () => {
    const dataDir = tempDataDir("cli-grid");
    const first = await startHeatlens(["--cols", "25", "--bands", "700,1200"], dataDir);
    await first.stop();
    for (const other of [[], ["--cols", "25"], ["--bands", "700,1200", "--cols", "50"]]) {
      const run = await heatlens(["--port", "0", "--data-dir", dataDir, ...other]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`the points in ${dataDir} are binned on --cols 25 --bands 700,1200, not`);
      expect(run.stderr).toContain("Start with --cols 25 --bands 700,1200, or give another --data-dir");
      expect(run.stderr).not.toMatch(STACK);
    }
    const again = await startHeatlens(["--bands", "700,1200", "--cols", "25"], dataDir);
    await again.stop();
  });
});

describe("heatlens on a busy port", () => {
  it("says the port is in use and how to choose another, exit 2", async () => {
    const first = await startHeatlens([]);
    try {
      const dir = join(tempDataDir("cli-busy"), "second");
      mkdirSync(dir);
      const run = await heatlens(["--port", String(first.port), "--data-dir", dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `port ${first.port} on 127.0.0.1 is in use (another companion?); choose another with --port`,
      );
      expect(run.stderr).not.toMatch(STACK);
    } finally {
      await first.stop();
    }
  });
});

describe("heatlens on a data directory another companion serves", () => {
  it("refuses it, exit 2, naming the one that holds it; the first goes on; free at once after a kill -9", async () => {
    const dataDir = tempDataDir("cli-held");
    const first = await startHeatlens([], dataDir);
    const run = await heatlens(["--port", "0", "--data-dir", dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `E_DATA_DIR_IN_USE: ${dataDir} is in use by another heatlens companion (process ${first.pid}, serving ${first.url})`,
    );
    expect(run.stderr).toContain("stop that one, or give this one another --data-dir");
    expect(run.stderr).not.toMatch(STACK);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    // Token commands work beside a running companion, as ever.
    expect((await heatlens(["token", "list", "--data-dir", dataDir])).code).toBe(0);

    await first.kill();
    const second = await startHeatlens([], dataDir);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    await second.stop();
    // Stopped, it leaves the directory free.
    const third = await startHeatlens([], dataDir);
    await third.stop();
  });
});
