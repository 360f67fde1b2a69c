/**
 * Makes the fake browser the global `browser` and `chrome` (webextension-polyfill
 * then hands it out as is, and @webext-core/messaging talks through it). Import
 * it first in a test file, before any module that imports the polyfill.
 */
import { fakeBrowser } from "./fake-browser";

Object.assign(globalThis, { browser: fakeBrowser, chrome: fakeBrowser });
