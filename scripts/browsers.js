// Finds what the tests drive besides Node: the browsers of the end-to-end tests
// and the NATS server of the cluster tests. On a Debian machine, as root,
// installs the missing ones; elsewhere stops at once and names the command.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const BROWSERS = [
  { name: "Chromium", package: "chromium", path: process.env.HEATLENS_CHROMIUM ?? "/usr/bin/chromium" },
  { name: "Firefox ESR", package: "firefox-esr", path: process.env.HEATLENS_FIREFOX ?? "/usr/bin/firefox-esr" },
  { name: "NATS server", package: "nats-server", path: process.env.HEATLENS_NATS_SERVER ?? "/usr/sbin/nats-server" },
];

export function ensureBrowsers() {
  const missing = BROWSERS.filter((b) => !existsSync(b.path));
  if (missing.length === 0) return;
  const packages = missing.map((b) => b.package).join(" ");
  const command = `apt-get update && apt-get install -y ${packages}`;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    console.error(
      `The tests need ${missing.map((b) => b.name).join(" and ")} (${missing.map((b) => b.path).join(", ")}).\n` +
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
}
