/**
 * An in-memory browser for unit tests: the few extension APIs the background
 * and the stored settings use (storage with onChanged, runtime messages,
 * tabs.sendMessage to frames, scripting, permissions, alarms, the action's
 * badge, commands), enough to run their real code, including
 * @webext-core/messaging, in Node. Not a browser: no pages, no navigation;
 * a test adds the frames that answer messages. `install-fake-browser.ts`
 * makes it the global `browser` and `chrome`.
 */

type Listener = (...args: never[]) => unknown;

const NO_RECEIVER = "Could not establish connection. Receiving end does not exist.";

export class FakeEvent<L extends Listener> {
  private readonly listeners = new Set<L>();
  addListener(listener: L): void {
    this.listeners.add(listener);
  }
  removeListener(listener: L): void {
    this.listeners.delete(listener);
  }
  hasListener(listener: L): boolean {
    return this.listeners.has(listener);
  }
  get size(): number {
    return this.listeners.size;
  }
  /** Calls every listener, as the browser would; returns what they returned. */
  emit(...args: Parameters<L>): unknown[] {
    return [...this.listeners].map((listener) => listener(...args));
  }
  clear(): void {
    this.listeners.clear();
  }
}

type StorageChange = { oldValue?: unknown; newValue?: unknown };
type ChangeListener = (changes: Record<string, StorageChange>, areaName: string) => void;

class FakeStorageArea {
  readonly items = new Map<string, unknown>();
  constructor(
    private readonly name: string,
    private readonly changed: FakeEvent<ChangeListener>,
  ) {}

  async get(keys?: string | string[] | Record<string, unknown> | null): Promise<Record<string, unknown>> {
    const wanted =
      keys == null
        ? [...this.items.keys()]
        : typeof keys === "string"
          ? [keys]
          : Array.isArray(keys)
            ? keys
            : Object.keys(keys);
    const defaults = keys && typeof keys === "object" && !Array.isArray(keys) ? keys : {};
    const result: Record<string, unknown> = {};
    for (const key of wanted) {
      if (this.items.has(key)) result[key] = structuredClone(this.items.get(key));
      else if (key in defaults) result[key] = defaults[key];
    }
    return result;
  }

  async set(values: Record<string, unknown>): Promise<void> {
    const changes: Record<string, StorageChange> = {};
    for (const [key, value] of Object.entries(values)) {
      changes[key] = { oldValue: this.items.get(key), newValue: structuredClone(value) };
      this.items.set(key, structuredClone(value));
    }
    this.changed.emit(changes, this.name);
  }

  async remove(keys: string | string[]): Promise<void> {
    const changes: Record<string, StorageChange> = {};
    for (const key of typeof keys === "string" ? [keys] : keys) {
      if (!this.items.has(key)) continue;
      changes[key] = { oldValue: this.items.get(key) };
      this.items.delete(key);
    }
    if (Object.keys(changes).length > 0) this.changed.emit(changes, this.name);
  }
}

/** What the messaging library sends: `{ id, type, data, timestamp }`. */
export interface FakeMessage {
  type: string;
  data: unknown;
}

export interface MessageSender {
  tab?: { id: number; active?: boolean; windowId?: number };
  frameId?: number;
  url?: string;
}

/** A frame with a content script listening: what it was sent, and whether it still answers. */
export class FakeFrame {
  readonly received: FakeMessage[] = [];
  answering = true;
  constructor(
    readonly tabId: number,
    readonly frameId: number,
  ) {}
  /** The messages of one type it received, their data in order. */
  got(type: string): unknown[] {
    return this.received.filter((m) => m.type === type).map((m) => m.data);
  }
}

interface ContentScript {
  id: string;
  matches?: string[];
  excludeMatches?: string[];
  js?: string[];
  allFrames?: boolean;
  runAt?: string;
}

export class FakeBrowser {
  private readonly storageChanged = new FakeEvent<ChangeListener>();
  private readonly frames = new Map<string, FakeFrame>();
  private readonly scripts = new Map<string, ContentScript>();
  private readonly granted = new Set<string>();
  private readonly alarmsByName = new Map<string, { name: string; periodInMinutes?: number }>();
  /** The badge text the action shows, per tab (`null` key: the global one). */
  readonly badgeText = new Map<number | null, string | null>();
  /** The action's global badge colour and tooltip. */
  readonly badge = { color: "", title: "" };
  /** The navigations `tabs.update` was asked for. */
  readonly navigations: { tabId: number; url: string }[] = [];
  /** The ids of the open tabs, for `tabs.query`. */
  readonly openTabs = new Set<number>();
  /** What `tabs.captureVisibleTab` gives (a data URL), or the error it fails with; the windows it was asked for. */
  capture: { result: string | Error; windows: number[] } = { result: "data:image/png;base64,", windows: [] };

  readonly storage = {
    local: new FakeStorageArea("local", this.storageChanged),
    session: new FakeStorageArea("session", this.storageChanged),
    onChanged: this.storageChanged,
  };

  readonly runtime = {
    id: "heatlens-test",
    lastError: undefined as { message: string } | undefined,
    onMessage: new FakeEvent<(message: unknown, sender: MessageSender, respond: (r: unknown) => void) => unknown>(),
    onStartup: new FakeEvent<() => void>(),
    onInstalled: new FakeEvent<() => void>(),
  };

  readonly tabs = {
    /** Without `frameId`, every frame of the tab gets the message; the first answer wins, as in browsers. */
    sendMessage: (
      tabId: number,
      message: FakeMessage,
      options?: { frameId?: number },
      callback?: (response: unknown) => void,
    ): Promise<unknown> => {
      const targets = [...this.frames.values()].filter(
        (f) => f.tabId === tabId && (options?.frameId === undefined || f.frameId === options.frameId),
      );
      let answer: unknown;
      for (const frame of targets) {
        if (!frame.answering) continue;
        frame.received.push({ type: message.type, data: structuredClone(message.data) });
        answer ??= { res: null };
      }
      // Called back (as `chrome` is, by the messaging library), there is no promise to reject.
      if (callback) {
        this.runtime.lastError = answer === undefined ? { message: NO_RECEIVER } : undefined;
        callback(answer);
        this.runtime.lastError = undefined;
        return Promise.resolve(answer);
      }
      return answer === undefined ? Promise.reject(new Error(NO_RECEIVER)) : Promise.resolve(answer);
    },
    query: async (_query: unknown) => [...this.openTabs].map((id) => ({ id })),
    onRemoved: new FakeEvent<(tabId: number) => void>(),
    /** Records each navigation asked for; see `navigations`. */
    update: async (tabId: number, properties: { url?: string }) => {
      if (properties.url) this.navigations.push({ tabId, url: properties.url });
      return { id: tabId };
    },
    onUpdated: new FakeEvent<(tabId: number, change: { status?: string; url?: string }) => void>(),
    captureVisibleTab: async (windowId: number, _options?: { format?: string }) => {
      this.capture.windows.push(windowId);
      if (this.capture.result instanceof Error) throw this.capture.result;
      return this.capture.result;
    },
  };

  readonly scripting = {
    registerContentScripts: async (scripts: ContentScript[]) => {
      for (const script of scripts) {
        if (this.scripts.has(script.id)) throw new Error(`Duplicate script ID '${script.id}'`);
        this.scripts.set(script.id, structuredClone(script));
      }
    },
    unregisterContentScripts: async (filter?: { ids?: string[] }) => {
      for (const id of filter?.ids ?? [...this.scripts.keys()]) this.scripts.delete(id);
    },
    getRegisteredContentScripts: async (filter?: { ids?: string[] }) =>
      [...this.scripts.values()]
        .filter((s) => !filter?.ids || filter.ids.includes(s.id))
        .map((s) => structuredClone(s)),
  };

  readonly permissions = {
    contains: async ({ origins = [] }: { origins?: string[] }) => origins.every((o) => this.granted.has(o)),
    onAdded: new FakeEvent<() => void>(),
    onRemoved: new FakeEvent<() => void>(),
  };

  readonly alarms = {
    create: async (name: string, info: { periodInMinutes?: number }) => {
      this.alarmsByName.set(name, { name, ...info });
    },
    get: async (name: string) => this.alarmsByName.get(name),
    onAlarm: new FakeEvent<(alarm: { name: string }) => void>(),
  };

  readonly action = {
    setBadgeText: async ({ text, tabId }: { text: string | null; tabId?: number }) => {
      this.badgeText.set(tabId ?? null, text);
    },
    setBadgeBackgroundColor: async ({ color }: { color: string }) => {
      this.badge.color = color;
    },
    setTitle: async ({ title }: { title: string }) => {
      this.badge.title = title;
    },
  };

  readonly commands = {
    onCommand: new FakeEvent<(command: string, tab?: { id?: number }) => void>(),
  };

  /** A content script now listens in this frame. */
  addFrame(tabId: number, frameId = 0): FakeFrame {
    const frame = new FakeFrame(tabId, frameId);
    this.frames.set(`${tabId}:${frameId}`, frame);
    this.openTabs.add(tabId);
    return frame;
  }

  /** A message from a content script (or, without a tab, an extension page) to the background, answered as the messaging library answers. */
  async send(type: string, data?: unknown, sender: MessageSender = {}): Promise<unknown> {
    const message = { id: 1, type, data, timestamp: Date.now() };
    const response = await new Promise<unknown>((resolve) => {
      let pending = false;
      for (const result of this.runtime.onMessage.emit(message, sender, resolve)) {
        if (result === true) pending = true;
      }
      if (!pending) resolve(undefined);
    });
    const { res, err } = (response ?? { err: { message: "No response" } }) as {
      res?: unknown;
      err?: { message: string };
    };
    if (err) throw new Error(err.message);
    return res;
  }

  /** From a frame of a tab (frame 0 is the page itself). */
  sendFrom(tabId: number, frameId: number, type: string, data?: unknown): Promise<unknown> {
    return this.send(type, data, { tab: { id: tabId }, frameId });
  }

  grant(...origins: string[]): void {
    for (const origin of origins) this.granted.add(origin);
    this.permissions.onAdded.emit();
  }

  revoke(...origins: string[]): void {
    for (const origin of origins) this.granted.delete(origin);
    this.permissions.onRemoved.emit();
  }

  alarm(name: string): { name: string; periodInMinutes?: number } | undefined {
    return this.alarmsByName.get(name);
  }

  /** Back to a fresh browser between tests (listeners included). */
  reset(): void {
    this.storage.local.items.clear();
    this.storage.session.items.clear();
    this.storageChanged.clear();
    this.frames.clear();
    this.scripts.clear();
    this.granted.clear();
    this.alarmsByName.clear();
    this.badgeText.clear();
    Object.assign(this.badge, { color: "", title: "" });
    this.openTabs.clear();
    this.navigations.length = 0;
    this.capture = { result: "data:image/png;base64,", windows: [] };
    for (const event of [
      this.runtime.onMessage,
      this.runtime.onStartup,
      this.runtime.onInstalled,
      this.tabs.onRemoved,
      this.tabs.onUpdated,
      this.permissions.onAdded,
      this.permissions.onRemoved,
      this.alarms.onAlarm,
      this.commands.onCommand,
    ] as FakeEvent<Listener>[])
      event.clear();
  }
}

export const fakeBrowser = new FakeBrowser();
