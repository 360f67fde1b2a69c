export * from "./grid";
export * from "./page-key";
export * from "./subscription";
export * from "./wire";
