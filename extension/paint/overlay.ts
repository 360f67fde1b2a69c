/**
 * Overlay content script: shows this tab's overlay while the tab's overlay is
 * on (the popup, the keyboard shortcut, or a reload of a tab that had it on),
 * hands it the grids the background routes here, and tells the popup what is
 * on screen.
 */
import { onMessage, sendMessage } from "../../protocol/messages";
import { OverlayView } from "./overlay-view";

let overlay: OverlayView | null = null;

function setShown(on: boolean): void {
  if (on && !overlay) overlay = new OverlayView();
  if (!on && overlay) {
    overlay.dispose();
    overlay = null;
  }
}

onMessage("overlay.show", ({ data }) => setShown(data));
onMessage("overlay.grid", ({ data }) => overlay?.show(data));
onMessage("overlay.describe", () => overlay?.summary() ?? null);
sendMessage("overlay.state", undefined)
  .then(setShown)
  .catch(() => undefined);
