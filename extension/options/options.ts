/** The options page: companion URL, token, display name, build label, grid columns, and the sites where Heatlens runs. */
import browser from "webextension-polyfill";
import { loadCompanionGrid } from "../state/companion-grid";
import { loadSettings, type Settings, saveSettings } from "../state/settings";
import { startSitesSection } from "./sites";

const form = document.getElementById("form") as HTMLFormElement;
const result = document.getElementById("result") as HTMLParagraphElement;
const fields = ["companionUrl", "token", "name", "build"] as const;

function input(name: (typeof fields)[number]): HTMLInputElement {
  return document.getElementById(name) as HTMLInputElement;
}

const colsSelect = document.getElementById("cols") as HTMLSelectElement;

/** The companion's own grid first, then every coarser grid it offers; a stored choice it no longer offers stays listed. */
async function fillColumns(chosen: number): Promise<void> {
  const { cols, colsChoices } = await loadCompanionGrid();
  const choices = [...colsChoices].filter((n) => n !== cols).sort((a, b) => b - a);
  if (chosen > 0 && chosen !== cols && !choices.includes(chosen)) choices.unshift(chosen);
  colsSelect.replaceChildren(
    new Option(`The companion's own (${cols})`, "0"),
    ...choices.map((n) => new Option(String(n), String(n))),
  );
  colsSelect.value = String(chosen === cols ? 0 : chosen);
}

async function main(): Promise<void> {
  const settings = await loadSettings();
  for (const name of fields) input(name).value = settings[name];
  await fillColumns(settings.cols);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const next: Settings = {
      ...(Object.fromEntries(fields.map((name) => [name, input(name).value.trim()])) as Omit<Settings, "cols">),
      cols: Number(colsSelect.value),
    };
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
  // Save answers from now on (until then it is disabled, so the form cannot submit itself as a plain page
  // form): whoever waits for the form (the end-to-end tests) can save.
  (document.getElementById("save") as HTMLButtonElement).disabled = false;
  form.dataset.ready = "";
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
