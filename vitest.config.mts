import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["lib/**/*.test.ts", "agent/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Agent process tests are timing-sensitive; on 2 cores, two files at a time is the most that
    // keeps heartbeats on schedule.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
