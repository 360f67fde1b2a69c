/**
 * The team dashboard in the browser: who is connected, the intake, and a live
 * thumbnail of every page with points in the chosen window (one of the
 * companion's `--windows`, its default first), grouped by site, refreshed
 * every second from the companion's HTTP API (same origin, cookie-signed).
 * A page opens large, with exports as PNG, JSON and CSV.
 */
import { interpolateTurbo } from "d3-scale-chromatic";
import { makeKey } from "../../protocol/page-key";
import type { Grid, GridFacts } from "../../protocol/wire";

interface Client {
  client: string;
  name: string;
  connectedAt: number;
  points: number;
  pointsPerSecond: number;
}
interface Page {
  /** Empty for points stored before pages were keyed by site. */
  origin: string;
  path: string;
  band: string;
  events: Record<string, number>;
}
interface Team {
  clients: Client[];
  pages: Page[];
  pointsPerSecond: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const number = new Intl.NumberFormat("en");
const thumbnails = new Map<string, { button: HTMLButtonElement; canvas: HTMLCanvasElement; meta: HTMLElement }>();
/** One section per site, by origin. */
const sites = new Map<string, { section: HTMLElement; pages: HTMLElement }>();
let open: Page | null = null;
let openGrid: Grid | null = null;
/** The window shown, in ms: the companion's default until another is chosen. */
let windowMs = 0;

function heatmapUrl(page: Page, format = ""): string {
  const params = new URLSearchParams({
    origin: page.origin,
    path: page.path,
    band: page.band,
    window: String(windowMs),
  });
  if (format) params.set("format", format);
  return `/api/heatmap?${params}`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { credentials: "same-origin" });
  if (res.status === 401 || res.status === 403) location.href = "/";
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json() as Promise<T>;
}

/** Paints a grid with tiles of `tile` px, coloured relative to its hottest tile. */
function paint(canvas: HTMLCanvasElement, grid: Grid, tile: number): void {
  const rows = Math.max(grid.rows, 1);
  canvas.width = grid.cols * tile;
  canvas.height = rows * tile;
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.fillStyle = "#111827";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < grid.cells.length; i += 3) {
    const share = (grid.cells[i + 2] as number) / Math.max(grid.max, 1);
    ctx.fillStyle = interpolateTurbo(0.1 + 0.9 * share);
    ctx.fillRect((grid.cells[i] as number) * tile, (grid.cells[i + 1] as number) * tile, tile, tile);
  }
}

function since(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60
    ? `${s} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min`
      : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function renderTesters(clients: Client[]): void {
  const body = $("testers").querySelector("tbody") as HTMLTableSectionElement;
  body.replaceChildren(
    ...clients.map((c) => {
      const row = document.createElement("tr");
      for (const text of [
        c.name || "(no name)",
        c.client.slice(0, 8),
        since(c.connectedAt),
        number.format(Math.round(c.pointsPerSecond * 10) / 10),
        number.format(c.points),
      ]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
  $("no-testers").hidden = clients.length > 0;
}

function siteName(origin: string): string {
  return origin || "Site not recorded (captured before pages were keyed by site)";
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

async function renderPages(pages: Page[]): Promise<void> {
  const live = new Set(pages.map((p) => makeKey(p.band, p.origin, p.path)));
  for (const [id, thumb] of thumbnails) {
    if (!live.has(id)) {
      thumb.button.remove();
      thumbnails.delete(id);
    }
  }
  for (const page of pages) {
    const id = makeKey(page.band, page.origin, page.path);
    let thumb = thumbnails.get(id);
    if (!thumb) {
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
      button.addEventListener("click", () => showDetail(page));
      siteSection(page.origin).append(button);
      thumb = { button, canvas, meta };
      thumbnails.set(id, thumb);
    }
    const grid = await getJson<Grid>(heatmapUrl(page));
    paint(thumb.canvas, grid, 4);
    thumb.meta.textContent = `${page.band} · ${number.format(grid.total)} points`;
  }
  for (const [origin, site] of sites) {
    if (site.pages.childElementCount > 0) continue;
    site.section.remove();
    sites.delete(origin);
  }
  $("no-pages").hidden = pages.length > 0;
}

async function showDetail(page: Page): Promise<void> {
  open = page;
  $("detail").hidden = false;
  $("detail-title").textContent = `${page.path} · ${page.band} · ${siteName(page.origin)}`;
  ($("export-csv") as HTMLAnchorElement).href = heatmapUrl(page, "csv");
  await refreshDetail();
  $("detail").scrollIntoView({ behavior: "smooth" });
}

async function refreshDetail(): Promise<void> {
  if (!open) return;
  openGrid = await getJson<Grid>(heatmapUrl(open));
  paint($("detail-canvas"), openGrid, 14);
  const json = $("export-json") as HTMLAnchorElement;
  URL.revokeObjectURL(json.href);
  json.href = URL.createObjectURL(new Blob([JSON.stringify(openGrid, null, 2)], { type: "application/json" }));
  json.download = `${fileName(open)}.json`;
  ($("export-csv") as HTMLAnchorElement).download = `${fileName(open)}.csv`;
}

/** `heatlens-127-0-0-1-8787-demo-desktop-300s`: site, page, band and window. */
function fileName(page: Page): string {
  const site = page.origin.replace(/^[a-z]+:\/\//, "");
  const parts = ["heatlens", site, page.path, page.band, `${windowMs / 1000}s`];
  return parts
    .join("-")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/-+$/, "");
}

$("export-png").addEventListener("click", () => {
  if (!open) return;
  const name = `${fileName(open)}.png`;
  ($("detail-canvas") as HTMLCanvasElement).toBlob((blob) => {
    if (!blob) return;
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: name });
    a.click();
  });
});
$("close-detail").addEventListener("click", () => {
  open = null;
  $("detail").hidden = true;
});

async function refresh(): Promise<void> {
  try {
    const team = await getJson<Team>("/api/team");
    $("rate").textContent =
      `${number.format(Math.round(team.pointsPerSecond))} points/s · ${team.clients.length} connected · ${team.pages.length} live pages`;
    renderTesters(team.clients);
    await renderPages(team.pages.filter((p) => (p.events[String(windowMs)] ?? 0) > 0));
    await refreshDetail();
    document.body.dataset.ready = "true";
  } catch (error) {
    $("rate").textContent = `Cannot reach the companion: ${(error as Error).message}`;
  }
  setTimeout(refresh, 1000);
}

/** The companion's windows, as its welcome tells clients, one button each. */
async function start(): Promise<void> {
  const config = await getJson<GridFacts>("/api/config");
  windowMs = config.defaultWindowMs;
  const choices = $("windows");
  const buttons = config.windowsMs.map((ms) => {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.windowMs = String(ms);
    b.textContent = ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
    b.addEventListener("click", () => {
      windowMs = ms;
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === b));
    });
    b.setAttribute("aria-pressed", String(ms === windowMs));
    return b;
  });
  choices.replaceChildren(...buttons);
  void refresh();
}

void start().catch((error: Error) => {
  $("rate").textContent = `Cannot reach the companion: ${error.message}`;
});
