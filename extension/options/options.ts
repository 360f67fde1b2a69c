/** The options page: companion URL, token and display name. */
import { loadSettings, type Settings, saveSettings } from "../state/settings";

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

void main();
