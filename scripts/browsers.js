// Finds what the tests drive besides Node: the browsers of the end-to-end tests
// and the NATS server of the cluster tests. On a Debian machine, as root,
// installs the missing ones (and a Firefox too old for the tests); elsewhere
// stops at once and names the command.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const BROWSERS = [
  { name: "Chromium", package: "chromium", path: process.env.HEATLENS_CHROMIUM ?? "/usr/bin/chromium" },
  {
    name: "Firefox ESR",
    package: "firefox-esr",
    path: process.env.HEATLENS_FIREFOX ?? "/usr/bin/firefox-esr",
    // Puppeteer's viewport calls need WebDriver BiDi commands that ESR 140 lacks; 153 is what the tests run on.
    minMajor: 153,
  },
  { name: "NATS server", package: "nats-server", path: process.env.HEATLENS_NATS_SERVER ?? "/usr/sbin/nats-server" },
];

/** The version `path --version` prints (as "Mozilla Firefox 153.8.0esr"), or null if it prints none. */
function versionOf(path) {
  const result = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return /\d+\.\d+[\w.]*/.exec(result.stdout ?? "")?.[0] ?? null;
}

/** Why `b` cannot serve the tests: missing, or older than it must be; null if it can. */
export function problem(b) {
  if (!existsSync(b.path)) return `${b.name} (${b.path}) is missing`;
  if (b.minMajor === undefined) return null;
  const version = versionOf(b.path);
  if (version !== null && Number.parseInt(version, 10) < b.minMajor) {
    return `${b.name} ${version} (${b.path}) is older than ${b.minMajor}`;
  }
  return null;
}

export function ensureBrowsers() {
  // Each asked once: for Firefox, that runs it.
  const problems = BROWSERS.map((b) => ({ b, why: problem(b) })).filter(({ why }) => why !== null);
  if (problems.length === 0) return;
  const missing = problems.map(({ b }) => b);
  const packages = missing.map((b) => b.package).join(" ");
  const command = `apt-get update && apt-get install -y ${packages}`;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    console.error(
      `The tests need what is not here: ${problems.map(({ why }) => why).join("; ")}.\n` +
        `Install them with:\n\n  sudo sh -c '${command}'\n\n` +
        "or point HEATLENS_CHROMIUM / HEATLENS_FIREFOX / HEATLENS_NATS_SERVER at existing binaries.",
    );
    process.exit(1);
  }
  console.log(`Installing ${packages} …`);
  const result = spawnSync("sh", ["-c", command], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0) {
    console.error(`Installing what the tests need failed: ${command}`);
    process.exit(1);
  }
  const left = missing.map(problem).filter((p) => p !== null);
  if (left.length > 0) {
    console.error(`Still, after ${command}: ${left.join("; ")}.`);
    process.exit(1);
  }
}
