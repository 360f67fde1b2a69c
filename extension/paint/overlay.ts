/**
 * Overlay content script: when the tab's overlay is on, paints the live grid
 * of this page over it. Everything lives in a closed shadow root on a
 * click-through host, so the page can neither reach it nor click it, and the
 * tracker never sees it. Repaints on each grid, on scroll and on resize.
 */
import { onMessage, sendMessage } from "../../protocol/messages";
import type { Grid } from "../../protocol/wire";
import { PALETTE_GRADIENT, paintGrid, type View } from "./renderer";

const HOST_STYLE =
  "all: initial; position: fixed; inset: 0; z-index: 2147483647; pointer-events: none; display: block;";

const SHADOW_CSS = `
  canvas { position: fixed; inset: 0; pointer-events: none; }
  .legend {
    position: fixed; right: 12px; bottom: 12px; min-width: 180px; padding: 8px 10px;
    font: 12px/1.4 system-ui, sans-serif; color: #fff; background: rgba(20, 24, 32, 0.85);
    border-radius: 6px; pointer-events: none;
  }
  .bar { height: 10px; border-radius: 3px; margin: 4px 0 2px; }
  .scale { display: flex; justify-content: space-between; }
`;

class Overlay {
  private readonly controller = new AbortController();
  private readonly host = document.createElement("heatlens-overlay");
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly legend: HTMLDivElement;
  private grid: Grid | null = null;
  private frame = 0;
  private width = 0;

  constructor() {
    this.host.setAttribute("style", HOST_STYLE);
    const root = this.host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = SHADOW_CSS;
    this.canvas = document.createElement("canvas");
    this.ctx = this.canvas.getContext("2d") as CanvasRenderingContext2D;
    this.legend = document.createElement("div");
    this.legend.className = "legend";
    root.append(style, this.canvas, this.legend);
    document.documentElement.append(this.host);

    const { signal } = this.controller;
    addEventListener("scroll", () => this.schedule(), { passive: true, signal });
    addEventListener("resize", () => this.resized(), { passive: true, signal });
    this.resized();
  }

  show(grid: Grid): void {
    this.grid = grid;
    this.renderLegend();
    this.schedule();
  }

  dispose(): void {
    this.controller.abort();
    cancelAnimationFrame(this.frame);
    this.host.remove();
    sendMessage("overlay.unwatch", undefined).catch(() => undefined);
  }

  private resized(): void {
    const width = document.documentElement.clientWidth;
    if (width !== this.width) {
      this.width = width;
      sendMessage("overlay.watch", { path: location.pathname, width }).catch(() => undefined);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  private paint(): void {
    const root = document.documentElement;
    const view: View = {
      width: root.clientWidth,
      height: root.clientHeight,
      scrollX: window.scrollX,
      scrollY: window.scrollY,
      devicePixelRatio: window.devicePixelRatio || 1,
    };
    const pixelWidth = Math.round(view.width * view.devicePixelRatio);
    const pixelHeight = Math.round(view.height * view.devicePixelRatio);
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      this.canvas.width = pixelWidth;
      this.canvas.height = pixelHeight;
      this.canvas.style.width = `${view.width}px`;
      this.canvas.style.height = `${view.height}px`;
    }
    paintGrid(this.ctx, this.grid, view);
  }

  private renderLegend(): void {
    const grid = this.grid;
    if (!grid) return;
    const minutes = grid.windowMs >= 60_000 ? `${grid.windowMs / 60_000} min` : `${grid.windowMs / 1000} s`;
    const band = grid.band.max === null ? `≥ ${grid.band.min}px` : `${grid.band.min}–${grid.band.max}px`;
    this.legend.replaceChildren(
      line(`Heatlens · last ${minutes}`),
      Object.assign(document.createElement("div"), { className: "bar", style: `background: ${PALETTE_GRADIENT}` }),
      scale(grid.max),
      line(`${grid.total} points · ${grid.band.id} (${band})`),
    );
  }
}

function line(text: string): HTMLDivElement {
  const div = document.createElement("div");
  div.textContent = text;
  return div;
}

function scale(max: number): HTMLDivElement {
  const div = document.createElement("div");
  div.className = "scale";
  div.append(line("0"), line(String(max)));
  return div;
}

let overlay: Overlay | null = null;

function setShown(on: boolean): void {
  if (on && !overlay) overlay = new Overlay();
  if (!on && overlay) {
    overlay.dispose();
    overlay = null;
  }
}

onMessage("overlay.show", ({ data }) => setShown(data));
onMessage("overlay.grid", ({ data }) => overlay?.show(data));
sendMessage("overlay.state", undefined)
  .then(setShown)
  .catch(() => undefined);
