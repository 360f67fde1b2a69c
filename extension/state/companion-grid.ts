/**
 * What the companion's welcome says about its grids: columns and the counts a
 * viewer may ask for, windows, width bands and the query parameters it keeps
 * in page keys. The background stores it on every welcome; the tracker sends
 * only the kept parameters, the overlay offers the companion's windows, the
 * options page its columns.
 */
import browser from "webextension-polyfill";
import { columnChoices } from "../../protocol/grid";
import { GridFacts } from "../../protocol/wire";

const KEY = "companionGrid";

/**
 * Until a companion has said hello: its columns as the options page first
 * offers them, and no windows (the overlay offers none it has not heard of).
 */
const UNKNOWN_GRID: GridFacts = {
  cols: 50,
  colsChoices: columnChoices(50),
  hopMs: 0,
  refreshMs: 0,
  windowsMs: [],
  defaultWindowMs: 0,
  bands: [],
  keepQuery: [],
};

export async function loadCompanionGrid(): Promise<GridFacts> {
  const parsed = GridFacts.safeParse((await browser.storage.local.get(KEY))[KEY]);
  return parsed.success ? parsed.data : UNKNOWN_GRID;
}

export async function saveCompanionGrid(facts: GridFacts): Promise<void> {
  const parsed = GridFacts.safeParse(facts);
  if (parsed.success) await browser.storage.local.set({ [KEY]: parsed.data });
}

export function onCompanionGridChanged(listener: (facts: GridFacts) => void, signal: AbortSignal): void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === "local" && KEY in changes) void loadCompanionGrid().then(listener);
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler));
}
