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
import { pageUrlPath, samePagePath } from "../../protocol/page-path";
import { companionHttpBase, parseShareUrl, SHARE_PATH, type ShareView } from "../../protocol/share-link";
import { stored } from "../state/stored";
import { listen, removeOnAbort } from "./listeners";

/** The share link each tab was opened from, by tab id, until its page's overlay takes the view. */
const tabLinks = stored("sharedTabLinks", z.record(z.string(), z.string()), {}, "session");

export class ShareLinks {
  /** Changes to `tabLinks`, one after another: two read-then-write changes at once would lose one. */
  private changes: Promise<unknown> = Promise.resolve();

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
    await this.change((links) => ({ ...links, [tabId]: url }));
    await this.overlay.show(tabId, true);
    await browser.tabs.update(tabId, { url: parsed.view.origin + pageUrlPath(parsed.view.path) });
  }

  /**
   * The tab's linked view for the page's own overlay (frame 0) if it is on the
   * linked page (`path`: the page's, as the overlay sends it; a redirect from
   * `/shop` to `/shop/` is the same page); asked once per page, so the link is
   * dropped either way, except by the share page the tab is leaving.
   */
  async take(tabId: number, pageUrl: string, path: string): Promise<ShareView | null> {
    const held = (await tabLinks.get())[tabId];
    if (held === undefined) return null;
    // The share page itself (the companion's dashboard, which writes its view into the URL at once), its
    // overlay on as the tab leaves it for the linked page: the link waits for that page.
    if (URL.canParse(pageUrl) && isSharePage(new URL(pageUrl), new URL(held))) return null;
    let link: string | undefined;
    // Read and dropped in one change, so that a link is handed out once.
    await this.change(({ [tabId]: taken, ...rest }) => {
      link = taken;
      return rest;
    });
    if (link === undefined) return null;
    const parsed = parseShareUrl(link);
    if (!parsed.ok || !URL.canParse(pageUrl)) return null;
    const { origin, path: linked } = parsed.view;
    return new URL(pageUrl).origin === origin && samePagePath(path, linked) ? parsed.view : null;
  }

  private forget(tabId: number): Promise<void> {
    return this.change(({ [tabId]: _, ...rest }) => rest);
  }

  private change(next: (links: Record<string, string>) => Record<string, string>): Promise<void> {
    const done = this.changes.then(async () => tabLinks.set(next(await tabLinks.get())));
    this.changes = done.catch(() => undefined);
    return done;
  }

  listen(signal: AbortSignal): void {
    removeOnAbort(
      signal,
      onMessage("overlay.linked", ({ sender, data }) =>
        sender.tab?.id === undefined || sender.frameId !== 0 ? null : this.take(sender.tab.id, sender.url ?? "", data),
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

/** Whether `page` is the companion's share page that `link` names, or the dashboard it turns into (`/?…`). */
function isSharePage(page: URL, link: URL): boolean {
  return page.origin === link.origin && (page.pathname === SHARE_PATH || page.pathname === "/");
}
