/**
 * The team dashboard in the browser: the testers (name, browser, the pages
 * they are on now, points/s, capture on or paused, connected since), and
 * every page with points, grouped by site, as a live thumbnail in the chosen time: one of the
 * companion's `--windows` or a history range (last hour, today, a chosen
 * range). A page opens large with a tab per width band (with its points), a
 * choice of layer (the page, or the fixed and sticky elements), its latest
 * snapshots with the newest painted behind the heat (backdrop.ts), and
 * exports as PNG (with that picture), JSON and CSV, each naming the site, page, band, time and
 * when the heat was read. The open page shows everyone's heat or one tester's
 * alone, and compares two sets of its points (a build, a tester, everyone but
 * a tester, everyone; each over the view's time or its own span) as a
 * difference map in two colours and a table of its elements, the changes
 * beyond chance first, under a sentence stating the test (compare-view.ts). Below the pages, their coverage: each page's
 * controls clicked in the chosen time, lowest share first, with its
 * untouched controls by selector; then their rage, dead and error clicks
 * (page, element, kind, count, testers, first and last time), each with
 * "Copy for a bug report" (bug-report.ts). The URL's query holds the view (view-state.ts):
 * each choice pushes it, back/forward and reload restore it. "Copy link"
 * copies the open view's share link (protocol/share-link.ts); opened from
 * one (`/share?…`), the dashboard shows its view and goes on at `/`.
 * Refreshed every second from the companion's HTTP API (same origin,
 * cookie-signed). A refused answer shows as what it is (refusal.ts: the
 * cluster, a starting companion, a token refused, which sends to the sign-in
 * page saying why), not as an unreachable companion, until an answer comes;
 * a failing store (`/healthz`) shows above the page.
 */
import { interpolateTurbo } from "d3-scale-chromatic";
import {
  type CompareSet,
  type Comparison,
  formatCompareSet,
  type PageTags,
  parseCompareSet,
  tileDifferences,
} from "../../protocol/compare";
import { shareUrl } from "../../protocol/share-link";
import type { SnapshotEntry } from "../../protocol/snapshot";
import type { Grid, GridFacts } from "../../protocol/wire";
import { backdropCaption, type Placement, pickSnapshot, placement } from "./backdrop";
import { bugReport, type ListedSignal } from "./bug-report";
import {
  differenceColour,
  differenceShare,
  elementCells,
  setChoices,
  setLabel,
  sideTimeChoices,
  testStatement,
} from "./compare-view";
import { Refused, refusalOf } from "./refusal";
import {
  type Compare,
  compareParams,
  exportName,
  type Layer,
  readSideTime,
  readState,
  type SideTime,
  shareViewOf,
  sideTimeLabel,
  type Time,
  timeLabel,
  timeParams,
  type ViewState,
  windowLabel,
  writeSideTime,
  writeState,
} from "./view-state";

interface PageRef {
  /** Empty for points stored before pages were keyed by site. */
  origin: string;
  path: string;
}
interface Tester {
  client: string;
  name: string;
  browser: string;
  pages: (PageRef & { band: string })[];
  pointsPerSecond: number;
  connectedAt: number;
  /** Capture paused in its browser; null until its extension says (an older one, or another client). */
  paused: boolean | null;
}
interface LivePage extends PageRef {
  band: string;
  events: Record<string, number>;
}
interface Team {
  clients: Tester[];
  pages: LivePage[];
  pointsPerSecond: number;
}
interface Card {
  button: HTMLButtonElement;
  canvas: HTMLCanvasElement;
  meta: HTMLElement;
  /** The band its thumbnail shows, which opening it chooses. */
  band: string | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const number = new Intl.NumberFormat("en");
/** One card per page (origin and path), in one section per site. */
const cards = new Map<string, Card>();
const sites = new Map<string, { section: HTMLElement; pages: HTMLElement }>();
let facts: GridFacts;
let state: ViewState;
/** What the open page shows, for the PNG export. */
let shown: { grid: Grid; page: PageRef; view: ViewState; name: string } | null = null;

/** A view's drawing was overtaken by another choice: dropped, the newer one draws. */
class Stale extends Error {}

const pageId = (page: PageRef) => `${page.origin} ${page.path}`;
const siteName = (origin: string) => origin || "Site not recorded (captured before pages were keyed by site)";

function heatmapUrl(page: PageRef, band: string | null, time: Time, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    origin: page.origin,
    path: page.path,
    ...timeParams(time, Date.now()),
    ...extra,
  });
  if (band) params.set("band", band);
  return `/api/heatmap?${params}`;
}

async function get(url: string): Promise<Response> {
  const res = await fetch(url, { credentials: "same-origin" });
  // Signed out (a token revoked meanwhile): the sign-in page says why.
  if (res.status === 401 || res.status === 403) location.href = "/";
  if (!res.ok) throw refusalOf(new URL(url, location.href).pathname, res.status, await res.json().catch(() => null));
  return res;
}

/** Why the companion cannot store points now, as `/healthz` says it; "" while it can. */
async function storageProblem(): Promise<string> {
  const res = await fetch("/healthz", { credentials: "same-origin" });
  return res.ok ? "" : refusalOf("/healthz", res.status, await res.json().catch(() => null)).message;
}

/**
 * The header's line when the team cannot be shown: a refusal says what it is,
 * anything else that the companion is out of reach; what the page still
 * shows is dimmed, as it is no longer live.
 */
function showProblem(error: Error): void {
  const refused = error instanceof Refused;
  $("rate").textContent = refused ? error.message : `Cannot reach the companion: ${error.message}`;
  document.body.dataset.problem = refused ? (error.code ?? "refused") : "unreachable";
}
const getJson = <T>(url: string) => get(url).then((res) => res.json() as Promise<T>);

/** A layer's flat [col, row, count] triples. */
const cellsOf = (grid: Grid, layer: Layer) => (layer === "fixed" ? grid.fixed : grid.cells);

function layerTotal(grid: Grid, layer: Layer): number {
  const cells = cellsOf(grid, layer);
  let total = 0;
  for (let i = 2; i < cells.length; i += 3) total += cells[i] as number;
  return total;
}

/** A snapshot's picture and where it lies, painted under the heat (backdrop.ts). */
interface Backdrop {
  image: HTMLImageElement;
  place: Placement;
}

/**
 * A canvas of `cols` × `rows` tiles of `tile` px on the dark ground; over a
 * page's snapshot, it reaches down to the picture's bottom, the picture drawn.
 */
function ground(
  canvas: HTMLCanvasElement,
  cols: number,
  rows: number,
  tile: number,
  backdrop: Backdrop | undefined,
): CanvasRenderingContext2D {
  if (backdrop) rows = Math.max(rows, backdrop.place.lastRow + 1);
  canvas.width = cols * tile;
  canvas.height = Math.max(rows, 1) * tile;
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.fillStyle = "#111827";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (backdrop) {
    const { image, place } = backdrop;
    ctx.drawImage(image, place.x, place.y, place.width, place.height);
  }
  return ctx;
}

/** Rows a layer's flat [col, row, value] triples reach, at least `rows`. */
function rowsOf(cells: readonly number[], rows: number): number {
  for (let i = 1; i < cells.length; i += 3) rows = Math.max(rows, (cells[i] as number) + 1);
  return rows;
}

/**
 * Paints a layer of a grid with tiles of `tile` px, coloured relative to its
 * hottest tile, letting a page's snapshot behind show through.
 */
function paint(
  canvas: HTMLCanvasElement,
  grid: Grid,
  tile: number,
  layer: Layer = "document",
  backdrop?: Backdrop,
): void {
  const cells = cellsOf(grid, layer);
  let max = 1;
  for (let i = 2; i < cells.length; i += 3) max = Math.max(max, cells[i] as number);
  const ctx = ground(canvas, grid.cols, rowsOf(cells, layer === "document" ? grid.rows : 0), tile, backdrop);
  if (backdrop) ctx.globalAlpha = 0.6;
  for (let i = 0; i < cells.length; i += 3) {
    ctx.fillStyle = interpolateTurbo(0.1 + 0.9 * ((cells[i + 2] as number) / max));
    ctx.fillRect((cells[i] as number) * tile, (cells[i + 1] as number) * tile, tile, tile);
  }
  ctx.globalAlpha = 1;
}

/** Pictures by URL, loaded once: a stored snapshot never changes. */
const pictures = new Map<string, Promise<HTMLImageElement>>();
function picture(url: string): Promise<HTMLImageElement> {
  let found = pictures.get(url);
  if (!found) {
    const image = new Image();
    image.src = url;
    found = image.decode().then(
      () => image,
      (error: Error) => {
        pictures.delete(url);
        throw error;
      },
    );
    pictures.set(url, found);
  }
  return found;
}

/** What the open page shows of its snapshots: the latest, and the one under the heat with its caption. */
interface PageSnapshots {
  latest: SnapshotEntry[];
  backdrop: Backdrop | undefined;
  caption: string;
}

async function snapshotsOf(page: PageRef, grid: Grid, layer: Layer, tile: number): Promise<PageSnapshots> {
  // Points stored before pages were keyed by site have no page to picture.
  const { snapshots } = page.origin
    ? await getJson<{ snapshots: SnapshotEntry[] }>(
        `/api/snapshots?${new URLSearchParams({ origin: page.origin, path: page.path })}`,
      )
    : { snapshots: [] };
  const latest = snapshots.slice(0, 6);
  const chosen = pickSnapshot(snapshots, grid.band.id);
  if (!chosen) {
    const caption = "No snapshot of this page: the overlay's “Snap & attach” puts one behind the heat.";
    return { latest, backdrop: undefined, caption };
  }
  if (layer === "fixed") {
    const caption = "The fixed elements' heat is in viewport terms: no page picture behind it.";
    return { latest, backdrop: undefined, caption };
  }
  const place = placement(chosen.snapshot, grid.cols * tile, grid.cols);
  const caption = backdropCaption(chosen.snapshot, chosen.sameBand, grid.band, place);
  return { latest, backdrop: { image: await picture(chosen.snapshot.url), place }, caption };
}

/** The latest snapshots as thumbnails (time, band, tester), remade only when they change. */
function showSnapshots(latest: readonly SnapshotEntry[]): void {
  const box = $("snapshots");
  const ids = latest.map((s) => s.id).join(" ");
  if (box.dataset.ids === ids) return;
  box.dataset.ids = ids;
  box.replaceChildren(
    ...latest.map((s) => {
      const link = Object.assign(document.createElement("a"), { href: s.url, target: "_blank", className: "snapshot" });
      const thumb = Object.assign(document.createElement("img"), { src: s.url, alt: `Snapshot of ${s.path}` });
      const said = document.createElement("span");
      said.textContent = `${new Date(s.takenAt).toLocaleString()} · ${s.band} · ${s.tester || "no name"}`;
      link.append(thumb, said);
      return link;
    }),
  );
}

function since(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  const ago =
    s < 60
      ? `${s} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min`
        : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} (${ago})`;
}

function renderTesters(testers: Tester[]): void {
  const body = $("testers").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren(
    ...testers.map((t) => {
      const row = document.createElement("tr");
      const pages = t.pages.map((p) => `${p.origin.replace(/^[a-z]+:\/\//, "")}${p.path} · ${p.band}`).join(", ");
      for (const text of [
        t.name || `(no name) ${t.client.slice(0, 8)}`,
        t.browser || "unknown",
        pages || "–",
        number.format(Math.round(t.pointsPerSecond * 10) / 10),
        t.paused === null ? "–" : t.paused ? "paused" : "on",
        since(t.connectedAt),
      ]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
  $("no-testers").hidden = testers.length > 0;
}

interface CoveredPage extends PageRef {
  band: string;
  controls: number;
  clicked: number;
  hovered: number;
  untouched: number;
  unknown: number;
  cut: number;
  untouchedControls: string[];
  unknownControls: string[];
}

/** A folded list of selectors under `summary`. */
function selectorList(summaryText: string, selectors: readonly string[]): HTMLDetailsElement {
  const list = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = summaryText;
  const items = document.createElement("ul");
  items.className = "selectors";
  for (const selector of selectors) {
    const item = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = selector;
    item.append(code);
    items.append(item);
  }
  list.append(summary, items);
  return list;
}

/** What the coverage table shows, to rebuild it only when it changes (an open list of selectors stays open). */
let coverageShown = "";

/** Pages' coverage of their controls in the view's time, lowest share clicked first (GET /api/coverage). */
async function renderCoverage(view: ViewState): Promise<void> {
  const { pages } = await getJson<{ pages: CoveredPage[] }>(
    `/api/coverage?${new URLSearchParams(timeParams(view.time, Date.now()))}`,
  );
  $("coverage-time").textContent = timeLabel(view.time);
  const text = JSON.stringify(pages);
  if (text === coverageShown) return;
  coverageShown = text;
  const percent = (n: number, of: number) => `${n} of ${of} (${of > 0 ? Math.round((n / of) * 100) : 0} %)`;
  const body = $("coverage").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren(
    ...pages.map((p) => {
      const row = document.createElement("tr");
      row.dataset.page = `${p.origin}${p.path}`;
      const cut = p.cut > 0 ? ` (+${p.cut} past --max-controls)` : "";
      for (const cellText of [
        `${p.origin}${p.path}`,
        p.band,
        percent(p.clicked, p.controls) + cut,
        String(p.hovered),
      ]) {
        const cell = document.createElement("td");
        cell.textContent = cellText;
        row.append(cell);
      }
      const untouched = document.createElement("td");
      if (p.untouchedControls.length > 0)
        untouched.append(selectorList(`${p.untouched} untouched`, p.untouchedControls));
      else if (p.unknown === 0) untouched.textContent = "none";
      if (p.unknown > 0) {
        // Their heat may be among the elements the companion left out (--max-anchors).
        const why = "not known: the page had more elements with heat than --max-anchors keeps";
        untouched.append(selectorList(`${p.unknown} ${why}`, p.unknownControls));
      }
      row.append(untouched);
      return row;
    }),
  );
  $("no-coverage").hidden = pages.length > 0;
}

/** What the signals table shows, to rebuild it only when it changes. */
let signalsShown = "";

/** Rage, dead and error clicks in the view's time, latest first (GET /api/signals). */
async function renderSignals(view: ViewState): Promise<void> {
  const { signals } = await getJson<{ signals: ListedSignal[] }>(
    `/api/signals?${new URLSearchParams(timeParams(view.time, Date.now()))}`,
  );
  $("signals-time").textContent = timeLabel(view.time);
  const text = JSON.stringify(signals);
  if (text === signalsShown) return;
  signalsShown = text;
  const clock = (t: number) => new Date(t).toLocaleTimeString();
  const body = $("signals").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren(
    ...signals.map((signal) => {
      const row = document.createElement("tr");
      row.dataset.kind = signal.kind;
      for (const cellText of [
        `${signal.origin}${signal.path}`,
        signal.band,
        signal.selector,
        signal.kind,
        String(signal.count),
        String(signal.testers),
        clock(signal.first),
        clock(signal.last),
      ]) {
        const cell = document.createElement("td");
        cell.textContent = cellText;
        row.append(cell);
      }
      const action = document.createElement("td");
      const copy = document.createElement("button");
      copy.type = "button";
      copy.textContent = "Copy for a bug report";
      copy.addEventListener("click", () => void copyBugReport(signal));
      action.append(copy);
      row.append(action);
      return row;
    }),
  );
  $("no-signals").hidden = signals.length > 0;
}

/** Copies a signal's bug report; shown in a text field too, to copy by hand where the clipboard is refused. */
async function copyBugReport(signal: ListedSignal): Promise<void> {
  const box = $("bug-report");
  const field = box.querySelector("textarea") as HTMLTextAreaElement;
  const said = box.querySelector("span") as HTMLElement;
  field.value = bugReport(location.origin, signal, facts.signalRules);
  box.hidden = false;
  try {
    await navigator.clipboard.writeText(field.value);
    said.textContent = "Copied.";
  } catch {
    field.select();
    said.textContent = "The browser refused the clipboard: copy the selected text.";
  }
}

/** The section of a site's pages, made on first use; sites stay in the order they appeared. */
function siteSection(origin: string): HTMLElement {
  let site = sites.get(origin);
  if (!site) {
    const section = document.createElement("section");
    section.className = "site";
    section.dataset.origin = origin;
    const title = document.createElement("h3");
    title.textContent = siteName(origin);
    const pages = document.createElement("div");
    pages.className = "grid";
    section.append(title, pages);
    $("pages").append(section);
    site = { section, pages };
    sites.set(origin, site);
  }
  return site.pages;
}

function card(page: PageRef): Card {
  const id = pageId(page);
  let found = cards.get(id);
  if (!found) {
    const button = document.createElement("button");
    button.className = "page";
    button.type = "button";
    button.dataset.origin = page.origin;
    button.dataset.path = page.path;
    const canvas = document.createElement("canvas");
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = page.path;
    const meta = document.createElement("div");
    meta.className = "meta";
    button.append(canvas, name, meta);
    const made: Card = { button, canvas, meta, band: null };
    button.addEventListener("click", () => {
      go({ page: { ...page }, band: made.band, layer: "document", time: state.time, tester: null, compare: null });
      $("detail").scrollIntoView({ behavior: "smooth" });
    });
    siteSection(page.origin).append(button);
    found = made;
    cards.set(id, found);
  }
  return found;
}

/**
 * The pages to show: in a live window those with points in it, each with its
 * points per band; for a history range the live pages and the open one (the
 * companion lists only live pages), their bands unknown until drawn.
 */
function pagesOf(team: Team, view: ViewState): Map<string, PageRef & { bands: Map<string, number> }> {
  const pages = new Map<string, PageRef & { bands: Map<string, number> }>();
  const add = (page: PageRef) => {
    const id = pageId(page);
    const entry = pages.get(id) ?? { origin: page.origin, path: page.path, bands: new Map<string, number>() };
    pages.set(id, entry);
    return entry;
  };
  const { time } = view;
  for (const page of team.pages) {
    if (time.kind !== "window") add(page);
    else if ((page.events[String(time.ms)] ?? 0) > 0) add(page).bands.set(page.band, page.events[String(time.ms)] ?? 0);
  }
  if (view.page && time.kind !== "window") add(view.page);
  return pages;
}

async function renderPages(team: Team, view: ViewState): Promise<void> {
  const pages = pagesOf(team, view);
  for (const [id, old] of cards) {
    if (pages.has(id)) continue;
    old.button.remove();
    cards.delete(id);
  }
  for (const [id, page] of pages) {
    const c = card(page);
    c.button.setAttribute("aria-current", String(view.page !== null && pageId(view.page) === id));
    const busiest = [...page.bands].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    const grid = await getJson<Grid>(heatmapUrl(page, busiest, view.time));
    if (view !== state) throw new Stale();
    c.band = grid.band.id;
    paint(c.canvas, grid, 4);
    c.meta.textContent =
      page.bands.size > 0
        ? [...page.bands].map(([band, n]) => `${band} ${number.format(n)}`).join(" · ")
        : `${grid.band.id} · ${number.format(grid.total)} points`;
  }
  for (const [origin, site] of sites) {
    if (site.pages.childElementCount > 0) continue;
    site.section.remove();
    sites.delete(origin);
  }
  $("no-pages").hidden = pages.size > 0;
  $("no-pages").textContent =
    view.time.kind === "window" ? "No page has points in this window." : "No live page; open one by its URL.";
}

/** The open page: its band tabs with their points, the heat, and the exports' contents and names. */
async function renderDetail(view: ViewState): Promise<void> {
  const page = view.page;
  $("detail").hidden = page === null;
  if (!page) {
    shown = null;
    return;
  }
  // One tester's heat alone, or everyone's.
  const tag: Record<string, string> = view.tester === null ? {} : { tester: view.tester };
  const counts = await Promise.all(
    facts.bands.map((b) =>
      getJson<Grid>(heatmapUrl(page, b.id, view.time, { ...tag, cols: "1" })).then((g) => g.total),
    ),
  );
  const busiest = counts.some((n) => n > 0) ? facts.bands[counts.indexOf(Math.max(...counts))]?.id : undefined;
  const grid = await getJson<Grid>(heatmapUrl(page, view.band ?? busiest ?? null, view.time, tag));
  const band = grid.band.id;
  const csv = await get(heatmapUrl(page, band, view.time, { ...tag, format: "csv" })).then((res) => res.text());
  const snapshots = await snapshotsOf(page, grid, view.layer, DETAIL_TILE);
  const tags = await getJson<PageTags>(`/api/tags?${new URLSearchParams({ ...page, band })}`);
  if (view !== state) throw new Stale();

  $("bands").replaceChildren(
    ...facts.bands.map((b, i) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.dataset.band = b.id;
      tab.setAttribute("aria-selected", String(b.id === band));
      tab.textContent = `${b.id} · ${number.format(counts[i] ?? 0)}`;
      tab.addEventListener("click", () => go({ ...state, band: b.id }));
      return tab;
    }),
  );
  $("layers").replaceChildren(
    ...LAYERS.map(([layer, label]) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.dataset.layer = layer;
      tab.setAttribute("aria-pressed", String(layer === view.layer));
      tab.textContent = `${label} · ${number.format(layerTotal(grid, layer))}`;
      tab.addEventListener("click", () => go({ ...state, layer }));
      return tab;
    }),
  );
  $("detail-title").textContent = `${page.path} · ${siteName(page.origin)}`;
  $("detail-meta").textContent = describe(page, grid, view);
  $("backdrop").textContent = snapshots.caption;
  paint($("detail-canvas"), grid, DETAIL_TILE, view.layer, snapshots.backdrop);
  showSnapshots(snapshots.latest);
  showTesters(tags, view);
  showCompareChoices(tags, view);

  const name = exportName(page, band, view.layer, view.time, grid.end);
  shown = { grid, page, view, name };
  const about = {
    site: page.origin,
    page: page.path,
    band,
    layer: view.layer,
    tester: view.tester ?? "everyone",
    time: timeLabel(view.time),
    read: new Date(grid.end).toISOString(),
    link: location.href,
  };
  const json = $("export-json") as HTMLAnchorElement;
  const csvLink = $("export-csv") as HTMLAnchorElement;
  URL.revokeObjectURL(json.href);
  URL.revokeObjectURL(csvLink.href);
  json.href = URL.createObjectURL(
    new Blob([JSON.stringify({ ...grid, export: about }, null, 2)], { type: "application/json" }),
  );
  json.download = `${name}.json`;
  const who = view.tester === null ? "" : ` · tester ${view.tester}`;
  const comment = `# Heatlens · site ${about.site} · page ${about.page} · band ${band} · layer ${view.layer}${who} · ${about.time} · from ${new Date(grid.start).toISOString()} to ${about.read} · ${about.link}\n`;
  csvLink.href = URL.createObjectURL(new Blob([comment, csv], { type: "text/csv" }));
  csvLink.download = `${name}.csv`;
  await renderCompare(view, band, snapshots.backdrop);
}

/** The tester choice: everyone, or one tester of the page's band (with their points in all the history kept). */
function showTesters(tags: PageTags, view: ViewState): void {
  const testers = tags.testers.map((t) => [t.label, `${t.label} · ${number.format(t.points)} points kept`]);
  if (view.tester !== null && !tags.testers.some((t) => t.label === view.tester))
    testers.push([view.tester, `${view.tester} · no points kept in this band`]);
  fillSelect($("tester"), [["", "Everyone"], ...testers], view.tester ?? "");
  $("tester-note").textContent =
    view.tester === null ? "Everyone's heat." : `${view.tester}'s heat alone, ${timeLabel(view.time)}.`;
}

/** Sets a select's options (only when they changed, so that an open list stays open) and its value. */
function fillSelect(select: HTMLSelectElement, options: string[][], value: string | null): void {
  const key = JSON.stringify(options);
  if (select.dataset.options !== key) {
    select.dataset.options = key;
    select.replaceChildren(
      ...options.map(([optionValue, label]) =>
        Object.assign(document.createElement("option"), { value: optionValue, textContent: label }),
      ),
    );
  }
  if (value !== null) select.value = value;
}

const form = () => $<HTMLFormElement>("compare-form");
const field = (name: string) => form().elements.namedItem(name) as HTMLSelectElement;

/** The sets and spans to compare, the comparison shown chosen, or before one a tester against the rest. */
function showCompareChoices(tags: PageTags, view: ViewState): void {
  const compare = view.compare;
  const options = setChoices(tags, compare);
  // Before any comparison: a tester against the rest, if the page has testers.
  const first = tags.testers[0]?.label;
  const fallback = first ? [`rest:${first}`, `tester:${first}`] : ["all", "all"];
  const chosen = (name: "a" | "b", i: number) =>
    compare ? formatCompareSet(compare[name]) : field(name).value || (fallback[i] as string);
  fillSelect(field("a"), options, chosen("a", 0));
  fillSelect(field("b"), options, chosen("b", 1));
  for (const name of ["aTime", "bTime"] as const) {
    const side = compare ? compare[name] : null;
    fillSelect(
      field(name),
      sideTimeChoices(facts.windowsMs, view.time, side),
      side ? (writeSideTime(side) ?? "") : null,
    );
  }
  $("compare-stop").hidden = compare === null;
  $("compare-start").hidden = compare !== null;
}

/** The comparison the form names. */
function compareOfForm(): Compare {
  const set = (name: string) => parseCompareSet(field(name).value) as CompareSet;
  const time = (name: string) => readSideTime(field(name).value || null, name, []);
  return { a: set("a"), b: set("b"), aTime: time("aTime"), bTime: time("bTime") };
}

/** What the Compare section shows, to rebuild its table only when it changes. */
let compareShown = "";

/**
 * The comparison (GET /api/compare) of the page's band: both sides named, the
 * difference map over the page's snapshot when the heat view has one, the
 * test stated and the element table, changes beyond chance first.
 */
async function renderCompare(view: ViewState, band: string, backdrop: Backdrop | undefined): Promise<void> {
  const compare = view.compare;
  $("compare-result").hidden = compare === null;
  if (!compare || !view.page) {
    compareShown = "";
    return;
  }
  const params = new URLSearchParams({ ...view.page, band, ...compareParams(compare, view.time, Date.now()) });
  const comparison = await getJson<Comparison>(`/api/compare?${params}`);
  if (view !== state) throw new Stale();
  const { a, b, test, elements } = comparison;
  const side = (name: "a" | "b", set: CompareSet, time: SideTime, grid: Grid) =>
    `${name.toUpperCase()}: ${setLabel(set)}, ${sideTimeLabel(time, view.time)}, ${number.format(grid.total)} points`;
  $("compare-sides").textContent = [
    side("a", compare.a, compare.aTime, a.grid),
    side("b", compare.b, compare.bTime, b.grid),
    "each side's tiles and elements as shares of its own total",
  ].join(" · ");
  const diff = tileDifferences(a.grid, b.grid);
  const cells = view.layer === "fixed" ? diff.fixed : diff.cells;
  const under = view.layer === "fixed" ? undefined : backdrop;
  const rows = rowsOf(cells, view.layer === "fixed" ? 0 : Math.max(a.grid.rows, b.grid.rows));
  const ctx = ground($("compare-canvas"), a.grid.cols, rows, DETAIL_TILE, under);
  for (let i = 0; i < cells.length; i += 3) {
    ctx.fillStyle = differenceColour(cells[i + 2] as number, diff.max);
    ctx.fillRect((cells[i] as number) * DETAIL_TILE, (cells[i + 1] as number) * DETAIL_TILE, DETAIL_TILE, DETAIL_TILE);
  }
  $("legend-a").textContent = `more in A (${setLabel(compare.a)})`;
  $("legend-b").textContent =
    `more in B (${setLabel(compare.b)}); the strongest tile differs by ${differenceShare(diff.max)} of a side's points`;
  $("compare-test").textContent = testStatement(test);

  const text = JSON.stringify(elements);
  if (text === compareShown) return;
  compareShown = text;
  const body = $("compare-elements").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren(
    ...elements.map((element) => {
      const row = document.createElement("tr");
      row.dataset.selector = element.s;
      row.dataset.flagged = String(element.flagged);
      for (const cellText of elementCells(element)) {
        const cell = document.createElement("td");
        cell.textContent = cellText;
        row.append(cell);
      }
      return row;
    }),
  );
  $("no-elements").hidden = elements.length > 0;
}

/** Canvas px per tile of the open page. */
const DETAIL_TILE = 14;

const LAYERS: [Layer, string][] = [
  ["document", "Page"],
  ["fixed", "Fixed elements"],
];

/** "https://shop.example/checkout · desktop · Ada alone · last 10 min · 60 points · read 2026-11-29 22:10:05 UTC". */
function describe(page: PageRef, grid: Grid, view: ViewState): string {
  const read = `${new Date(grid.end).toISOString().slice(0, 19).replace("T", " ")} UTC`;
  const band = view.layer === "fixed" ? `${grid.band.id} · fixed elements` : grid.band.id;
  const who = view.tester === null ? "" : ` · ${view.tester} alone`;
  const points = number.format(layerTotal(grid, view.layer));
  return `${siteName(page.origin)}${page.path} · ${band}${who} · ${timeLabel(view.time)} · ${points} points · read ${read}`;
}

/** A PNG of the open page's heat under two lines naming it, so that a bug ticket's picture says what it shows. */
function exportPng(): void {
  if (!shown) return;
  const { grid, page, view, name } = shown;
  const heat = $("detail-canvas") as HTMLCanvasElement;
  const out = document.createElement("canvas");
  const head = 52;
  out.width = Math.max(heat.width, 720);
  out.height = heat.height + head;
  const ctx = out.getContext("2d") as CanvasRenderingContext2D;
  ctx.fillStyle = "#1d2430";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = "#fff";
  ctx.font = "bold 14px system-ui, sans-serif";
  ctx.fillText(`Heatlens · ${siteName(page.origin)}${page.path}`, 10, 20);
  ctx.font = "13px system-ui, sans-serif";
  ctx.fillText(describe(page, grid, view).split(" · ").slice(1).join(" · "), 10, 42);
  ctx.drawImage(heat, 0, head);
  out.toBlob((blob) => {
    if (!blob) return;
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `${name}.png` });
    a.click();
  });
}

/**
 * Copies the open view's share link. The clipboard can be refused (a page
 * served over plain http from another host is not a secure context): the
 * link is then shown selected in a text field, to copy by hand.
 */
async function copyLink(): Promise<void> {
  if (!shown) return;
  const box = $("share-link");
  const field = box.querySelector("input") as HTMLInputElement;
  const said = box.querySelector("span") as HTMLElement;
  const view = shareViewOf(shown.view, shown.grid.band.id, Date.now());
  box.hidden = false;
  if (!view) {
    field.hidden = true;
    said.textContent = "This page was captured before pages were keyed by site: there is no site to link to.";
    return;
  }
  const link = shareUrl(location.origin, view);
  field.hidden = false;
  field.value = link;
  try {
    await navigator.clipboard.writeText(link);
    said.textContent = "Copied.";
  } catch {
    field.select();
    said.textContent = "The browser refused the clipboard: copy the selected link.";
  }
}

/** Shows a choice made: a step in the browser's history, unless it is the view shown. */
function go(next: ViewState): void {
  state = next;
  // A copied link names the view it was copied from.
  $("share-link").hidden = true;
  const search = writeState(next);
  if (search !== location.search) history.pushState(null, "", search);
  showChoices();
  void refresh();
}

function adopt(search: string): void {
  const { state: read, problems } = readState(search, facts);
  state = read;
  $("problems").hidden = problems.length === 0;
  $("problems").textContent = problems.length ? `This link's view was partly unusable: ${problems.join("; ")}.` : "";
  showChoices();
}

/** `YYYY-MM-DDTHH:mm` in the viewer's time, as a datetime-local input holds it. */
function localInput(ms: number): string {
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function showChoices(): void {
  const { time } = state;
  for (const b of $("windows").querySelectorAll("button"))
    b.setAttribute("aria-pressed", String(time.kind === "window" && Number(b.dataset.windowMs) === time.ms));
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-range]"))
    b.setAttribute("aria-pressed", String(b.dataset.range === time.kind));
  if (time.kind === "range") {
    const form = $("custom-range") as HTMLFormElement;
    (form.elements.namedItem("from") as HTMLInputElement).value = localInput(time.from);
    (form.elements.namedItem("to") as HTMLInputElement).value = localInput(time.to);
  }
  $("time-label").textContent = timeLabel(time);
  $("detail").hidden = state.page === null;
}

let timer: ReturnType<typeof setTimeout> | undefined;
let drawing = false;
let again = false;

/** Draws the current view now, then every second; a choice made meanwhile draws once the current drawing ends. */
async function refresh(): Promise<void> {
  if (drawing) {
    again = true;
    return;
  }
  drawing = true;
  clearTimeout(timer);
  const view = state;
  try {
    const [team, storage] = await Promise.all([getJson<Team>("/api/team"), storageProblem()]);
    $("rate").textContent =
      `${number.format(Math.round(team.pointsPerSecond))} points/s · ${team.clients.length} connected · ${team.pages.length} live pages`;
    delete document.body.dataset.problem;
    $("health").textContent = storage;
    $("health").hidden = storage === "";
    renderTesters(team.clients);
    await renderPages(team, view);
    await renderCoverage(view);
    await renderSignals(view);
    await renderDetail(view);
    document.body.dataset.ready = "true";
    // What the page shows now, for whoever waits on a view (the end-to-end test).
    document.body.dataset.shown = writeState(view);
  } catch (error) {
    if (!(error instanceof Stale)) showProblem(error as Error);
  }
  drawing = false;
  if (again) {
    again = false;
    return refresh();
  }
  timer = setTimeout(refresh, 1000);
}

/** The companion's windows, as its welcome tells clients, one button each; the history choices; the view from the URL. */
async function start(): Promise<void> {
  facts = await getJson<GridFacts>("/api/config");
  $("windows").replaceChildren(
    ...facts.windowsMs.map((ms) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.windowMs = String(ms);
      b.textContent = windowLabel(ms);
      b.addEventListener("click", () => go({ ...state, time: { kind: "window", ms } }));
      return b;
    }),
  );
  for (const b of $("ranges").querySelectorAll("button")) {
    const kind = b.dataset.range as "hour" | "today";
    b.addEventListener("click", () => go({ ...state, time: { kind } }));
  }
  $("custom-range").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const from = Date.parse((form.elements.namedItem("from") as HTMLInputElement).value);
    const to = Date.parse((form.elements.namedItem("to") as HTMLInputElement).value);
    if (!(to > from)) {
      $("problems").hidden = false;
      $("problems").textContent = "A range needs a start before its end.";
      return;
    }
    $("problems").hidden = true;
    go({ ...state, time: { kind: "range", from, to } });
  });
  $("export-png").addEventListener("click", exportPng);
  $("copy-link").addEventListener("click", () => void copyLink());
  $("close-detail").addEventListener("click", () =>
    go({ ...state, page: null, band: null, layer: "document", tester: null, compare: null }),
  );
  $("tester").addEventListener("change", (event) => {
    const tester = (event.target as HTMLSelectElement).value;
    go({ ...state, tester: tester === "" ? null : tester });
  });
  // Once comparing, each choice shows at once; before, "Compare" starts it.
  form().addEventListener("change", () => {
    if (state.compare) go({ ...state, compare: compareOfForm() });
  });
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    go({ ...state, compare: compareOfForm() });
  });
  $("compare-stop").addEventListener("click", () => go({ ...state, compare: null }));
  window.addEventListener("popstate", () => {
    adopt(location.search);
    void refresh();
  });
  adopt(location.search);
  // The URL names the whole view from the start (defaults filled in, unusable parts dropped);
  // a share link's view goes on as the dashboard's own.
  history.replaceState(null, "", `/${writeState(state)}`);
  void refresh();
}

void start().catch(showProblem);
