/**
 * Share links against the real binary: `/share?…` answers with the
 * dashboard at the link's view under a note on seeing the heat on the page
 * itself; the link needs no token (the dashboard's sign-in applies and
 * returns to the link), and a link it cannot use is refused with its reason.
 */
import { describe, expect, it } from "vitest";
import { SHARE_NOTE } from "../../companion/src/http/dashboard";
import { shareUrl } from "../../protocol/share-link";
import { createToken, startHeatlens } from "../support/heatlens";
import { tempDataDir } from "../support/temp-dir";

const view = {
  origin: "https://shop.example",
  path: "/checkout",
  band: "desktop",
  time: { kind: "window" as const, ms: 60_000 },
  layer: "document" as const,
  points: null,
  mode: null,
};

describe("GET /share", () => {
  it("answers 200 with the dashboard, the note and the linked page, with or without a tester and a comparison", async () => {
    const companion = await startHeatlens([]);
    try {
      const compare = { a: { kind: "tester", label: "ana" }, b: { kind: "rest", label: "ana" } } as const;
      const full = shareUrl(companion.url, {
        ...view,
        tester: "ana",
        compare: { ...compare, aSpan: null, bSpan: null },
      });
      expect((await fetch(full)).status).toBe(200);
      const link = shareUrl(companion.url, view);
      const res = await fetch(link);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(SHARE_NOTE);
      expect(html).toContain('<a href="https://shop.example/checkout">https://shop.example/checkout</a>');
      // The dashboard's own script reads the view from the same query.
      expect(html).toContain('<script type="module" src="/dashboard.js">');
    } finally {
      await companion.stop();
    }
  });

  it("refuses a link it cannot use with E_SHARE_LINK and the reason", async () => {
    const companion = await startHeatlens([]);
    try {
      const res = await fetch(
        `${companion.url}/share?origin=https%3A%2F%2Fshop.example&path=%2Fa&window=1000&mode=blur`,
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: "E_SHARE_LINK", reason: "mode must be one of elements, tiles, smooth" });
      // A tester or a comparison it cannot use, the same way.
      const base = `${companion.url}/share?origin=https%3A%2F%2Fshop.example&path=%2Fa&window=1000`;
      const refused = async (query: string) => (await fetch(`${base}&${query}`)).json();
      expect(await refused("a=tester:ana&b=rest:ana&aTime=yesterday")).toEqual({
        code: "E_SHARE_LINK",
        reason: "aTime must be all or <from>/<to> (ISO 8601, from before to)",
      });
      expect(await refused("a=tester:ana")).toEqual({
        code: "E_SHARE_LINK",
        reason: "a comparison needs both a and b",
      });
      expect(await refused("tester=%20ana")).toMatchObject({ code: "E_SHARE_LINK", reason: /^tester must be/ });
    } finally {
      await companion.stop();
    }
  });

  it("refuses a band or a window this companion does not serve (its --bands and --windows), and serves its own", async () => {
    const companion = await startHeatlens(["--bands", "600", "--windows", "30s,2m", "--default-window", "2m"]);
    try {
      const status = async (changes: object) => {
        const res = await fetch(shareUrl(companion.url, { ...view, ...changes }));
        return { status: res.status, body: res.status === 400 ? await res.json() : null };
      };
      expect(await status({ band: "tablet" })).toEqual({
        status: 400,
        body: { code: "E_SHARE_LINK", reason: "band must be one of w0, w1" },
      });
      expect(await status({ band: "w1" })).toEqual({
        status: 400,
        body: { code: "E_SHARE_LINK", reason: "window must be one of 30000, 120000 (ms)" },
      });
      expect(await status({ band: "w1", time: { kind: "window", ms: 120_000 } })).toEqual({
        status: 200,
        body: null,
      });
      // A range is read from the history, whatever the windows.
      const range = { kind: "range", from: Date.parse("2026-01-01T00:00:00Z"), to: Date.parse("2026-01-02T00:00:00Z") };
      expect(await status({ band: "w0", time: range })).toEqual({ status: 200, body: null });
      // Without a band: the page's busiest.
      expect(await status({ band: null, time: { kind: "window", ms: 30_000 } })).toEqual({ status: 200, body: null });
    } finally {
      await companion.stop();
    }
  });

  it("asks for a view token when tokens exist, then returns to the link's view", async () => {
    const dir = tempDataDir("cli-share");
    const { token } = await createToken(dir, "view");
    const companion = await startHeatlens([], dir);
    try {
      const link = shareUrl(companion.url, view);
      const asked = await fetch(link);
      expect(asked.status).toBe(401);
      const next = new URL(link).pathname + new URL(link).search;
      expect(await asked.text()).toContain(`name="next" value="${next.replaceAll("&", "&amp;")}"`);
      const signedIn = await fetch(`${companion.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, next }).toString(),
        redirect: "manual",
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get("location")).toBe(next);
      const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const shown = await fetch(link, { headers: { cookie } });
      expect(shown.status).toBe(200);
      expect(await shown.text()).toContain('id="share-note"');
      // Signing in never goes on to another site.
      const elsewhere = await fetch(`${companion.url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, next: "//evil.example/share" }).toString(),
        redirect: "manual",
      });
      expect(elsewhere.headers.get("location")).toBe("/");
    } finally {
      await companion.stop();
    }
  });
});
