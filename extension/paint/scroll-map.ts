/**
 * The scroll map: at the right edge of the viewport, a strip coloured by the
 * share of page views whose window reached each depth of the document (100 %
 * at the top), the share at the cursor's depth written beside the cursor, and
 * a line at the views' average fold. The same strip runs inside the right
 * edge of the page's largest scroll container when views scrolled it. The
 * strip moves with the document: a depth's colour sits beside that depth.
 */
import { SCROLL_STEP_PERCENT, type ScrollSummary } from "../../protocol/anchor";
import { percent } from "./legend";
import { PALETTE } from "./renderer";

/** Width of a strip, CSS px. */
export const STRIP_WIDTH = 14;

/**
 * The share (0–1) of `views` that reached `depth` % of the document: 1 at
 * the top; `reach[i]` views reached (i + 1) × 5 %, and depths between two
 * steps go linearly from one to the next. Null without views.
 */
export function reachShare(reach: readonly number[], views: number, depth: number): number | null {
  if (views <= 0) return null;
  const at = Math.min(100, Math.max(0, depth)) / SCROLL_STEP_PERCENT;
  const step = Math.floor(at);
  const count = (i: number) => (i === 0 ? views : (reach[i - 1] ?? 0));
  const next = step >= 100 / SCROLL_STEP_PERCENT ? count(step) : count(step + 1);
  return Math.min(1, (count(step) + (next - count(step)) * (at - step)) / views);
}

/**
 * A CSS gradient for a strip whose top edge is `offset` px below the top of
 * the content (`offset` = its scroll position) and which spans `height` px of
 * content: one colour stop per depth step, at that depth's place.
 */
export function reachGradient(reach: readonly number[], views: number, offset: number, height: number): string {
  const stops: string[] = [];
  for (let depth = 0; depth <= 100; depth += SCROLL_STEP_PERCENT) {
    const share = reachShare(reach, views, depth) ?? 0;
    const colour = (PALETTE[Math.round(share * (PALETTE.length - 1))] as string).replace(/[\d.]+\)$/, "0.9)");
    stops.push(`${colour} ${Math.round((depth / 100) * height - offset)}px`);
  }
  return `linear-gradient(to bottom, ${stops.join(", ")})`;
}

/** The text beside the cursor: `62% of views reached here`. */
export function reachLabel(share: number): string {
  return `${percent(share)} of views reached here`;
}

export const SCROLL_MAP_CSS = `
  .strip { position: fixed; width: ${STRIP_WIDTH}px; pointer-events: none; box-shadow: -1px 0 0 rgba(20, 24, 32, 0.5); }
  .fold { position: fixed; left: 0; right: 0; height: 0; border-top: 2px dashed #fff; outline: 1px solid rgba(20, 24, 32, 0.7); pointer-events: none; }
  .fold > span {
    position: absolute; right: ${STRIP_WIDTH + 6}px; top: -20px; padding: 1px 5px; font: 11px/16px system-ui, sans-serif;
    color: #fff; background: rgba(20, 24, 32, 0.85); border-radius: 3px; white-space: nowrap;
  }
  .reach {
    position: fixed; padding: 2px 6px; font: 12px/16px system-ui, sans-serif; color: #fff;
    background: rgba(20, 24, 32, 0.9); border-radius: 4px; pointer-events: none; white-space: nowrap;
  }
  .strip[hidden], .fold[hidden], .reach[hidden] { display: none; }
`;

export class ScrollMap {
  readonly elements: HTMLElement[];
  private readonly page = div("strip");
  private readonly box = div("strip");
  private readonly fold = div("fold");
  private readonly foldLabel = document.createElement("span");
  private readonly label = div("reach");

  constructor() {
    this.fold.append(this.foldLabel);
    this.elements = [this.page, this.box, this.fold, this.label];
    this.hide();
  }

  hide(): void {
    for (const el of this.elements) el.hidden = true;
  }

  /**
   * Shows `scroll` for the document as it is now, and its `box` part inside
   * `container` (the page's largest scroll container, if any); `pointer` is
   * the cursor in viewport px, null when away or over the panel.
   */
  show(scroll: ScrollSummary, pointer: { x: number; y: number } | null, container: Element | null): void {
    const root = document.documentElement;
    const viewport = { width: root.clientWidth, height: root.clientHeight };
    // As the tracker measures it (page/scroll.ts).
    const docHeight = Math.max(root.scrollHeight, document.body?.scrollHeight ?? 0, viewport.height);
    const views = scroll.views;
    place(this.page, { left: viewport.width - STRIP_WIDTH, top: 0, height: viewport.height });
    this.page.style.background = reachGradient(scroll.reach, views, scrollY, docHeight);
    this.page.hidden = views === 0;

    const foldTop = scroll.foldPx - scrollY;
    this.fold.hidden = views === 0 || foldTop < 0 || foldTop > viewport.height;
    this.fold.style.top = `${foldTop}px`;
    this.foldLabel.textContent = `average fold · ${Math.round(scroll.foldPx)} px`;

    const boxViews = Math.max(0, ...scroll.box);
    let inBox: { share: number | null } | null = null;
    if (container && boxViews > 0) {
      const rect = container.getBoundingClientRect();
      const left = rect.left + container.clientLeft + container.clientWidth - STRIP_WIDTH;
      const top = rect.top + container.clientTop;
      place(this.box, { left, top, height: container.clientHeight });
      this.box.style.background = reachGradient(scroll.box, boxViews, container.scrollTop, container.scrollHeight);
      this.box.hidden = false;
      if (pointer && pointer.x >= rect.left && pointer.x <= rect.right && pointer.y >= top) {
        const y = pointer.y - top;
        if (y <= container.clientHeight)
          inBox = {
            share: reachShare(scroll.box, boxViews, ((container.scrollTop + y) / container.scrollHeight) * 100),
          };
      }
    } else this.box.hidden = true;

    const share = inBox
      ? inBox.share
      : pointer && reachShare(scroll.reach, views, ((scrollY + pointer.y) / docHeight) * 100);
    this.label.hidden = !pointer || share === null;
    if (pointer && share !== null) {
      this.label.textContent = reachLabel(share);
      this.label.style.left = `${Math.min(pointer.x + 14, viewport.width - 200)}px`;
      this.label.style.top = `${pointer.y + 16}px`;
    }
  }
}

function div(className: string): HTMLDivElement {
  const el = document.createElement("div");
  el.className = className;
  return el;
}

function place(el: HTMLElement, { left, top, height }: { left: number; top: number; height: number }): void {
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
  el.style.height = `${height}px`;
}
