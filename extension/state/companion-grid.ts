/**
 * What the companion's welcome says about its grids: columns and the counts a
 * viewer may ask for, windows, width bands and the query parameters it keeps
 * in page keys. The background stores it on every welcome; the tracker sends
 * only the kept parameters, the overlay offers the companion's windows, the
 * options page its columns.
 */
import { columnChoices } from "../../protocol/grid";
import { DEFAULT_SIGNAL_RULES } from "../../protocol/signals";
import { GridFacts } from "../../protocol/wire";
import { stored } from "./stored";

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
  signalRules: DEFAULT_SIGNAL_RULES,
};

const companionGrid = stored("companionGrid", GridFacts, UNKNOWN_GRID);

export function loadCompanionGrid(): Promise<GridFacts> {
  return companionGrid.get();
}

/** Facts that do not fit the schema are not kept: the last good ones stay. */
export async function saveCompanionGrid(facts: GridFacts): Promise<void> {
  if (GridFacts.safeParse(facts).success) await companionGrid.set(facts);
}

export function onCompanionGridChanged(listener: (facts: GridFacts) => void, signal: AbortSignal): void {
  companionGrid.watch(listener, signal);
}
