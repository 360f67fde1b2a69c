import "../testing/install-fake-browser";
import { describe, expect, it } from "vitest";
import { fakeBrowser } from "../testing/fake-browser";
import { loadCaptureSites, matchPatterns, saveCaptureSites, siteOf } from "./capture-sites";

describe("capture sites", () => {
  it("turns what the user typed into a scheme and host", () => {
    expect(siteOf("https://staging.example.com/cart?x=1")).toBe("https://staging.example.com");
    expect(siteOf("staging.example.com")).toBe("https://staging.example.com");
    expect(siteOf(" http://127.0.0.1:3000/ ")).toBe("http://127.0.0.1");
    expect(() => siteOf("ftp://files.example.com")).toThrow(/http and https/);
    expect(() => siteOf("http://")).toThrow();
  });

  it("gives match patterns for the chosen sites, or for every site", () => {
    expect(matchPatterns({ allSites: false, sites: ["https://a.test", "http://localhost"] })).toEqual([
      "https://a.test/*",
      "http://localhost/*",
    ]);
    expect(matchPatterns({ allSites: true, sites: ["https://a.test"] })).toEqual(["http://*/*", "https://*/*"]);
  });

  it("reads damaged storage as nothing enabled, and stores each site once", async () => {
    fakeBrowser.reset();
    await fakeBrowser.storage.local.set({ captureSites: { allSites: "yes" } });
    expect(await loadCaptureSites()).toEqual({ allSites: false, sites: [] });
    await saveCaptureSites({ allSites: false, sites: ["https://a.test", "https://a.test"] });
    expect(fakeBrowser.storage.local.items.get("captureSites")).toEqual({ allSites: false, sites: ["https://a.test"] });
  });
});
