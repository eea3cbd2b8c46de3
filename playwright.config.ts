import { defineConfig, devices } from "@playwright/test";
import { findBrowser } from "./test/support/ensure-browser.mjs";

// Real Chromium against the production build, an embedded PostgreSQL and real agent processes, all
// started by e2e/support/global-setup.ts. The browser is the one test/support/ensure-browser.mjs
// found or installed (`npm test` runs it first): CHROMIUM_PATH, Debian's /usr/bin/chromium, or
// Playwright's own, which Playwright locates itself.
const browser = findBrowser();
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/support/global-setup.ts",
  outputDir: "test-results/e2e",
  // One worker: the agents' heartbeats need the two cores more than the tests do.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    ...devices["Desktop Chrome"],
    launchOptions: {
      executablePath: browser?.source === "playwright" ? undefined : browser?.executablePath,
      args: [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
      ],
    },
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    acceptDownloads: true,
  },
});
