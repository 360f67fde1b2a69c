/**
 * The options page's Sites section: where Heatlens runs. Adding a site asks
 * the browser for access to it, straight from the click (browsers grant
 * permissions only in answer to a user action); removing one gives the access
 * back. "All sites" asks for every http and https site at once, and for
 * every tab (`<all_urls>`), so that Snapshot needs no toolbar click first.
 */
import browser from "webextension-polyfill";
import { PAGE_WORLD_SCRIPTS, SITE_SCRIPTS } from "../background/site-script-files";
import { syncSiteScripts } from "../background/site-scripts";
import {
  BUILT_IN_SITES,
  type CaptureSites,
  loadCaptureSites,
  matchPatterns,
  saveCaptureSites,
  siteOf,
} from "../state/capture-sites";

const ALL = matchPatterns({ allSites: true, sites: [] });
/** Every tab, besides every site: lets the overlay's Snapshot capture a tab without a click on the toolbar button first. */
const EVERY_TAB = [...ALL, "<all_urls>"];

export async function startSitesSection(): Promise<void> {
  const allSites = document.getElementById("allSites") as HTMLInputElement;
  const list = document.getElementById("siteList") as HTMLUListElement;
  const newSite = document.getElementById("newSite") as HTMLInputElement;
  const addSite = document.getElementById("addSite") as HTMLButtonElement;
  const result = document.getElementById("sitesResult") as HTMLParagraphElement;
  let sites: CaptureSites = await loadCaptureSites();

  const say = (text: string, error = false) => {
    result.textContent = text;
    if (error) result.dataset.error = "";
    else delete result.dataset.error;
  };
  const save = async (next: CaptureSites) => {
    await saveCaptureSites(next);
    sites = next;
    render();
  };
  // The scripts follow the new sites before the page says so, so that a reload right after finds them
  // (the background syncs them too, on the same change; whichever comes second finds them up to date).
  const applied = () => syncSiteScripts(SITE_SCRIPTS, PAGE_WORLD_SCRIPTS).catch(() => undefined);
  const render = () => {
    allSites.checked = sites.allSites;
    list.replaceChildren(
      ...sites.sites.map((site) => {
        const item = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = site;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "Remove";
        remove.addEventListener("click", async () => {
          await save({ ...sites, sites: sites.sites.filter((s) => s !== site) });
          if (!BUILT_IN_SITES.includes(site))
            await browser.permissions.remove({ origins: [`${site}/*`] }).catch(() => false);
          await applied();
          say(`Heatlens is off on ${site}. Pages already open keep it until they reload.`);
        });
        item.append(name, remove);
        return item;
      }),
    );
  };

  addSite.addEventListener("click", () => {
    let site: string;
    try {
      site = siteOf(newSite.value);
    } catch (error) {
      say((error as Error).message, true);
      return;
    }
    void browser.permissions.request({ origins: [`${site}/*`] }).then(async (granted) => {
      if (!granted) return say(`The browser did not grant access to ${site}.`, true);
      await save({ ...sites, sites: [...sites.sites, site] });
      await applied();
      newSite.value = "";
      say(`Heatlens is on for ${site}. Reload its open pages to start.`);
    });
  });

  allSites.addEventListener("change", () => {
    if (!allSites.checked) {
      void (async () => {
        await save({ ...sites, allSites: false });
        await browser.permissions.remove({ origins: EVERY_TAB }).catch(() => false);
        await applied();
        say("Heatlens runs only on the sites listed.");
      })();
      return;
    }
    void browser.permissions.request({ origins: EVERY_TAB }).then(async (granted) => {
      if (!granted) {
        allSites.checked = false;
        return say("The browser did not grant access to all sites.", true);
      }
      await save({ ...sites, allSites: true });
      await applied();
      say("Heatlens is on for all sites. Reload open pages to start.");
    });
  });

  render();
  // The controls answer from now on: whoever waits for the section (the end-to-end tests) can click.
  document.getElementById("sites")?.setAttribute("data-ready", "");
}
