/** The companion's grid facts (columns, windows, bands, kept query, signal rules), told in the welcome and by `/api/config`. */
import { columnChoices, type WidthBand } from "../../protocol/grid";
import type { GridFacts } from "../../protocol/wire";
import type { CompanionOptions } from "./options";

export function gridFacts(options: CompanionOptions, bands: readonly WidthBand[]): GridFacts {
  return {
    cols: options.cols,
    colsChoices: columnChoices(options.cols),
    hopMs: options.hopMs,
    refreshMs: options.viewRefreshMs,
    windowsMs: [...options.windowsMs],
    defaultWindowMs: options.defaultWindowMs,
    bands: bands.map(({ id, min, max }) => ({ id, min, max })),
    keepQuery: [...options.keepQuery],
    signalRules: {
      rageClicks: options.rageClicks,
      rageMs: options.rageMs,
      ragePx: options.ragePx,
      deadMs: options.deadMs,
      errorMs: options.errorMs,
    },
  };
}
