import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Every sandbox response of the run is checked against Microsoft's REST API specs at the end.
    globalSetup: ["test/spec-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The suite must finish in minutes on 2 cores.
    maxWorkers: 2,
  },
});
