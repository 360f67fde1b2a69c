// Finds the browsers the end-to-end tests drive. On a Debian machine, as root,
// installs the missing ones; elsewhere stops at once and names the command.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const BROWSERS = [
  { name: "Chromium", package: "chromium", path: process.env.HEATLENS_CHROMIUM ?? "/usr/bin/chromium" },
  { name: "Firefox ESR", package: "firefox-esr", path: process.env.HEATLENS_FIREFOX ?? "/usr/bin/firefox-esr" },
];

export function ensureBrowsers() {
  const missing = BROWSERS.filter((b) => !existsSync(b.path));
  if (missing.length === 0) return;
  const packages = missing.map((b) => b.package).join(" ");
  const command = `apt-get update && apt-get install -y ${packages}`;
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    console.error(
      `The end-to-end tests need ${missing.map((b) => b.name).join(" and ")} (${missing.map((b) => b.path).join(", ")}).\n` +
        `Install them with:\n\n  sudo sh -c '${command}'\n\n` +
        "or point HEATLENS_CHROMIUM / HEATLENS_FIREFOX at existing binaries.",
    );
    process.exit(1);
  }
  console.log(`Installing ${packages} …`);
  const result = spawnSync("sh", ["-c", command], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0) {
    console.error(`Installing the browsers failed: ${command}`);
    process.exit(1);
  }
}
