interface ImportMetaEnv {
  readonly VITE_HEATLENS_COMPANION_URL: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}

/** A content script built on its own, for `scripting.registerContentScripts`: its path in the extension. */
declare module "*?script" {
  const path: string;
  export default path;
}
