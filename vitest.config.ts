import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // e2e suites start real servers and child processes; two cores, so keep the pool small
    maxWorkers: 2,
  },
});
