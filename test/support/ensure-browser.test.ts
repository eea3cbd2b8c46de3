import { describe, expect, it } from "vitest";
import { findBrowser, nextStep } from "./ensure-browser.mjs";

const PLAYWRIGHT_OWN = "/home/u/.cache/ms-playwright/chromium-1/chrome-linux64/chrome";
const machine = (...present: string[]) => ({ exists: (p: string) => present.includes(p), playwrightPath: () => PLAYWRIGHT_OWN });

describe("findBrowser", () => {
  it("prefers CHROMIUM_PATH, then Debian's Chromium, then Playwright's own", () => {
    const all = machine("/opt/chrome", "/usr/bin/chromium", PLAYWRIGHT_OWN);
    expect(findBrowser({ ...all, env: { CHROMIUM_PATH: "/opt/chrome" } })).toEqual({ source: "CHROMIUM_PATH", executablePath: "/opt/chrome" });
    expect(findBrowser({ ...all, env: {} })).toEqual({ source: "system", executablePath: "/usr/bin/chromium" });
    expect(findBrowser({ ...machine(PLAYWRIGHT_OWN), env: {} })).toEqual({ source: "playwright", executablePath: PLAYWRIGHT_OWN });
  });

  it("finds nothing on a machine with only Node.js, or when CHROMIUM_PATH names a missing file", () => {
    expect(findBrowser({ ...machine(), env: {} })).toBeNull();
    expect(findBrowser({ ...machine("/usr/bin/chromium"), env: { CHROMIUM_PATH: "/nope" } })).toBeNull();
  });
});

describe("nextStep", () => {
  const bare = { browser: null, env: {}, canDownload: false, isRoot: false, hasApt: false, tried: [] as string[] };

  it("uses a browser that is there", () => {
    const browser = { source: "system", executablePath: "/usr/bin/chromium" } as const;
    expect(nextStep({ ...bare, browser })).toEqual({ action: "use", browser });
  });

  it("runs Playwright's installer where it can download, with the system libraries when root on Debian", () => {
    expect(nextStep({ ...bare, canDownload: true })).toEqual({ action: "playwright-install", args: ["install", "chromium"] });
    expect(nextStep({ ...bare, canDownload: true, isRoot: true, hasApt: true })).toEqual({
      action: "playwright-install",
      args: ["install", "--with-deps", "chromium"],
    });
  });

  it("falls back to apt-get as root when Playwright cannot download or its install did not help", () => {
    expect(nextStep({ ...bare, isRoot: true, hasApt: true })).toEqual({ action: "apt-install" });
    expect(nextStep({ ...bare, canDownload: true, isRoot: true, hasApt: true, tried: ["playwright-install"] })).toEqual({ action: "apt-install" });
  });

  it("stops with one line saying what to run when it cannot install", () => {
    for (const m of [bare, { ...bare, hasApt: true }, { ...bare, isRoot: true, hasApt: true, tried: ["apt-install"] }]) {
      const step = nextStep(m);
      expect(step.action).toBe("stop");
      if (step.action !== "stop") continue;
      expect(step.message).not.toContain("\n");
      expect(step.message).toContain("apt-get install chromium");
      expect(step.message).toContain("npx playwright install --with-deps chromium");
    }
    const missing = nextStep({ ...bare, env: { CHROMIUM_PATH: "/nope" }, isRoot: true, hasApt: true });
    expect(missing).toEqual({ action: "stop", message: expect.stringContaining("CHROMIUM_PATH=/nope does not exist") });
  });
});
