/**
 * Builds the unpacked extension for one browser: `TARGET=chrome` (default) or
 * `TARGET=firefox`, into `dist/<target>/`. The one manifest.json is adapted
 * per browser: Chrome runs the background as a service worker, Firefox as an
 * event page (`scripts`) and needs its add-on id. HEATLENS_COMPANION_URL sets
 * the companion the extension connects to until the user changes it.
 */
import { crx, type ManifestV3Export } from "@crxjs/vite-plugin";
import { defineConfig } from "vite";
import manifest from "./manifest.json" with { type: "json" };

const target = process.env.TARGET === "firefox" ? "firefox" : "chrome";
const outDir = process.env.OUT_DIR ?? `dist/${target}`;

function manifestFor(browser: "chrome" | "firefox"): ManifestV3Export {
  const copy = structuredClone(manifest) as Record<string, unknown> & typeof manifest;
  if (browser === "chrome") {
    const { browser_specific_settings: _gecko, ...rest } = copy;
    const { scripts: _scripts, ...background } = rest.background;
    return { ...rest, background } as ManifestV3Export;
  }
  return copy as ManifestV3Export;
}

export default defineConfig({
  define: {
    "import.meta.env.VITE_HEATLENS_COMPANION_URL": JSON.stringify(process.env.HEATLENS_COMPANION_URL ?? ""),
  },
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  plugins: [crx({ manifest: manifestFor(target), browser: target })],
});
