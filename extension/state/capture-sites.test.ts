import "../testing/install-fake-browser";
import { describe, expect, it } from "vitest";
import { fakeBrowser } from "../testing/fake-browser";
import { loadCaptureSites, matchPatterns, saveCaptureSites, siteOf } from "./capture-sites";

describe("capture sites", () => {
  it("turns what the user typed into a scheme and host", () => {
    expect(siteOf("https://staging.example.com/cart?x=1")).toBe("https://staging.example.com");
    expect(siteOf("staging.example.com")).toBe("https://staging.example.com");
    expect(siteOf(" http://127.0.0.1:3000/ ")).toBe("http://127.0.0.1");
    expect(siteOf("https://localhost:8443")).toBe("https://localhost");
  });

  it("takes a bare host as http on this machine and private networks, and as https anywhere else", () => {
    for (const local of ["localhost:3000", "127.0.0.1:18900", "10.0.0.7", "172.20.1.1:8080", "192.168.1.20/app"]) {
      expect(siteOf(local)).toMatch(/^http:\/\//);
    }
    expect(siteOf("qa-box.local:8787")).toBe("http://qa-box.local");
    expect(siteOf("app.localhost")).toBe("http://app.localhost");
    expect(siteOf("[::1]:3000")).toBe("http://[::1]");
    expect(siteOf("[fd00::5]")).toBe("http://[fd00::5]");
    for (const remote of ["staging.example.com", "172.32.0.1", "8.8.8.8", "localhost.example.com", "[2001:db8::1]"]) {
      expect(siteOf(remote)).toMatch(/^https:\/\//);
    }
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
