export * from "./grid";
export * from "./wire";
