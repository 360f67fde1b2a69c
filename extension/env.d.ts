interface ImportMetaEnv {
  readonly VITE_HEATLENS_COMPANION_URL: string;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
