/**
 * Share links opened in a tab: a navigation to the companion's `/share?…`
 * (the HTTP form of the settings' companion URL) becomes the page itself,
 * origin + path, with the tab's overlay on; the link is kept for the tab (in
 * session storage, so a service-worker restart keeps it) until that page's
 * overlay asks for its view. Seen through `tabs.onUpdated`, whose `url` the
 * host permission on the companion reveals. A link the companion cannot use
 * is left to the companion's page, which says why.
 */
import browser from "webextension-polyfill";
import { z } from "zod";
import { onMessage } from "../../protocol/messages";
import { companionHttpBase, parseShareUrl, SHARE_PATH, type ShareView } from "../../protocol/share-link";
import { stored } from "../state/stored";
import { listen, removeOnAbort } from "./listeners";

/** The share link each tab was opened from, by tab id, until its page's overlay takes the view. */
const tabLinks = stored("sharedTabLinks", z.record(z.string(), z.string()), {}, "session");

export class ShareLinks {
  constructor(
    private readonly overlay: { show(tabId: number, on: boolean): Promise<void> },
    private readonly companionUrl: () => Promise<string>,
  ) {}

  /** A tab went to `url`: a share link of our companion opens its page with the overlay on. */
  async navigated(tabId: number, url: string): Promise<void> {
    const at = URL.canParse(url) ? new URL(url) : null;
    if (at?.pathname !== SHARE_PATH || at.origin !== companionHttpBase(await this.companionUrl())) return;
    const parsed = parseShareUrl(url);
    if (!parsed.ok) return;
    await tabLinks.set({ ...(await tabLinks.get()), [tabId]: url });
    await this.overlay.show(tabId, true);
    await browser.tabs.update(tabId, { url: parsed.view.origin + parsed.view.path });
  }

  /**
   * The tab's linked view for the page's own overlay (frame 0) if it is on the
   * linked page; asked once per page, so the link is dropped either way.
   */
  async take(tabId: number, pageUrl: string): Promise<ShareView | null> {
    const links = await tabLinks.get();
    const link = links[tabId];
    if (link === undefined) return null;
    await this.forget(tabId);
    const parsed = parseShareUrl(link);
    if (!parsed.ok || !URL.canParse(pageUrl)) return null;
    const page = new URL(pageUrl);
    const { origin, path } = parsed.view;
    return page.origin === origin && (page.pathname === path || page.pathname + page.search === path)
      ? parsed.view
      : null;
  }

  private async forget(tabId: number): Promise<void> {
    const { [tabId]: _, ...rest } = await tabLinks.get();
    await tabLinks.set(rest);
  }

  listen(signal: AbortSignal): void {
    removeOnAbort(
      signal,
      onMessage("overlay.linked", ({ sender }) =>
        sender.tab?.id === undefined || sender.frameId !== 0 ? null : this.take(sender.tab.id, sender.url ?? ""),
      ),
    );
    listen(
      browser.tabs.onUpdated,
      (tabId: number, change: { url?: string }) => void (change.url && this.navigated(tabId, change.url)),
      signal,
    );
    listen(browser.tabs.onRemoved, (tabId: number) => void this.forget(tabId), signal);
  }
}
