import "../testing/install-fake-browser";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { fakeBrowser } from "../testing/fake-browser";
import { StoredValueError, stored } from "./stored";

const Count = z.number().int().min(0);

describe("stored", () => {
  beforeEach(() => fakeBrowser.reset());

  it("reads the fallback until a value is set, then the value, from its own area", async () => {
    const local = stored("count", Count, 3);
    const session = stored("count", Count, 7, "session");
    expect(await local.get()).toBe(3);
    await local.set(5);
    expect(await local.get()).toBe(5);
    expect(await session.get()).toBe(7);
    expect(fakeBrowser.storage.local.items.get("count")).toBe(5);
    await local.remove();
    expect(await local.get()).toBe(3);
  });

  it("reads a damaged value as the fallback", async () => {
    await fakeBrowser.storage.local.set({ count: "many" });
    expect(await stored("count", Count, 3).get()).toBe(3);
  });

  it("refuses to write a value its schema refuses, with a stable code, and keeps the old one", async () => {
    const count = stored("count", Count, 3);
    await count.set(4);
    const refused = await count.set(-1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StoredValueError);
    expect(refused).toMatchObject({ code: "E_STORED_VALUE", message: expect.stringMatching(/^count: /) });
    expect(await count.get()).toBe(4);
  });

  it("calls a watcher with each new value of its key and area only, until its signal aborts", async () => {
    const count = stored("count", Count, 3);
    const seen: number[] = [];
    const watching = new AbortController();
    count.watch((value) => seen.push(value), watching.signal);
    await count.set(1);
    await fakeBrowser.storage.local.set({ other: 9 });
    await fakeBrowser.storage.session.set({ count: 9 });
    await fakeBrowser.storage.local.set({ count: "damaged" });
    await count.remove();
    watching.abort();
    await count.set(2);
    expect(seen).toEqual([1, 3, 3]);
    expect(fakeBrowser.storage.onChanged.size).toBe(0);
  });
});
