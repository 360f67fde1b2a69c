/** The options page: companion URL, token, display name, and the sites where Heatlens runs. */
import browser from "webextension-polyfill";
import { loadSettings, type Settings, saveSettings } from "../state/settings";
import { startSitesSection } from "./sites";

const form = document.getElementById("form") as HTMLFormElement;
const result = document.getElementById("result") as HTMLParagraphElement;
const fields = ["companionUrl", "token", "name"] as const;

function input(name: (typeof fields)[number]): HTMLInputElement {
  return document.getElementById(name) as HTMLInputElement;
}

async function main(): Promise<void> {
  const settings = await loadSettings();
  for (const name of fields) input(name).value = settings[name];
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const next = Object.fromEntries(fields.map((name) => [name, input(name).value.trim()])) as Settings;
    // The companion's HTTP API (history) on another host needs access to that host; the
    // websocket does not. Asked first, while the click still counts as the user's.
    const api = companionOrigin(next.companionUrl);
    if (api) await browser.permissions.request({ origins: [`${api}/*`] }).catch(() => false);
    try {
      await saveSettings(next);
      delete result.dataset.error;
      result.textContent = "Saved. The extension reconnects with the new settings.";
    } catch (error) {
      result.dataset.error = "";
      result.textContent = (error as Error).message;
    }
  });
}

/** `http(s)://host` of a companion URL off this machine, or null (loopback access comes with the extension). */
function companionOrigin(url: string): string | null {
  try {
    const { hostname, protocol } = new URL(url);
    if (hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]") return null;
    return `${protocol === "wss:" ? "https:" : "http:"}//${hostname}`;
  } catch {
    return null;
  }
}

void main();
void startSitesSection();
