import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "{protocol,companion,extension}/**/*.test.ts",
            "tests/integration/**/*.test.ts",
            "tests/cli/**/*.test.ts",
          ],
          globalSetup: ["tests/support/temp-root.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.e2e.test.ts"],
          globalSetup: ["tests/support/temp-root.ts", "tests/e2e/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // One worker runs every file, so that the files share one browser of each kind (tests/e2e/browsers.ts).
          isolate: false,
        },
      },
    ],
  },
});
