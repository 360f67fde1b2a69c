/**
 * The grid the companion bins points into, as its welcome says: its columns
 * and the column counts a viewer may ask for. The background stores it; the
 * options page offers those counts.
 */
import browser from "webextension-polyfill";
import { z } from "zod";
import { columnChoices } from "../../protocol/grid";

const KEY = "companionGrid";
const CompanionGrid = z.object({
  cols: z.number().int().positive(),
  colsChoices: z.array(z.number().int().positive()).max(10_000),
});
export type CompanionGrid = z.infer<typeof CompanionGrid>;

/** What a companion started with the defaults offers, until one has said otherwise. */
const DEFAULT_GRID: CompanionGrid = { cols: 50, colsChoices: columnChoices(50) };

export async function loadCompanionGrid(): Promise<CompanionGrid> {
  const parsed = CompanionGrid.safeParse((await browser.storage.local.get(KEY))[KEY]);
  return parsed.success ? parsed.data : DEFAULT_GRID;
}

export async function saveCompanionGrid(grid: CompanionGrid): Promise<void> {
  const parsed = CompanionGrid.safeParse(grid);
  if (parsed.success) await browser.storage.local.set({ [KEY]: parsed.data });
}
