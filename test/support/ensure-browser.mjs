// `npm test` runs this first: the Playwright specs need a Chromium. It uses one that is there
// (CHROMIUM_PATH, Debian's /usr/bin/chromium, or one Playwright installed), else installs one
// (Playwright's installer where its download host answers, else `apt-get install chromium` when
// running as root or with password-less sudo), else stops with one line saying what to run. playwright.config.ts calls
// findBrowser() too, so both pick the same browser.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Chromium or Chrome as installed by the system's package manager, in order of preference. */
export const SYSTEM_BROWSERS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"];

/**
 * @typedef {{ source: "CHROMIUM_PATH" | "system" | "playwright", executablePath: string }} Browser
 * `executablePath` is where the binary is; for "playwright" Playwright finds it itself (it may
 * launch its headless shell instead), so the config passes no path for it.
 */

/**
 * The browser the tests will use, or null when there is none.
 * @param {{ env?: Record<string, string | undefined>, exists?: (p: string) => boolean, playwrightPath?: () => string }} [probe]
 * @returns {Browser | null}
 */
export function findBrowser({ env = process.env, exists = existsSync, playwrightPath = () => chromium.executablePath() } = {}) {
  if (env.CHROMIUM_PATH) return exists(env.CHROMIUM_PATH) ? { source: "CHROMIUM_PATH", executablePath: env.CHROMIUM_PATH } : null;
  const system = SYSTEM_BROWSERS.find((p) => exists(p));
  if (system) return { source: "system", executablePath: system };
  const own = playwrightPath();
  return exists(own) ? { source: "playwright", executablePath: own } : null;
}

/**
 * The next step, given what the machine has and what was tried already. Pure, for tests.
 * `isRoot`: it can run commands as root (it is root, or has password-less sudo).
 * @param {{ browser: Browser | null, env: Record<string, string | undefined>, canDownload: boolean, isRoot: boolean, hasApt: boolean, tried: string[] }} m
 * @returns {{ action: "use", browser: Browser } | { action: "playwright-install", args: string[] } | { action: "apt-install" } | { action: "stop", message: string }}
 */
export function nextStep({ browser, env, canDownload, isRoot, hasApt, tried }) {
  if (browser) return { action: "use", browser };
  if (env.CHROMIUM_PATH)
    return {
      action: "stop",
      message: `ensure-browser: CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist; point it at a Chromium or Chrome binary, or unset it`,
    };
  if (canDownload && !tried.includes("playwright-install")) {
    // --with-deps installs the libraries Chromium needs through the system's package manager: root only.
    return { action: "playwright-install", args: ["install", ...(isRoot && hasApt ? ["--with-deps"] : []), "chromium"] };
  }
  if (isRoot && hasApt && !tried.includes("apt-install")) return { action: "apt-install" };
  const failed = tried.length ? `installing one (${tried.join(", ")}) did not work` : "none is installed";
  return {
    action: "stop",
    message:
      `ensure-browser: the Playwright tests need Chromium and ${failed}; run \`sudo apt-get install chromium\` (Debian/Ubuntu) ` +
      "or `npx playwright install --with-deps chromium` (where it can download), or set CHROMIUM_PATH to a Chromium or Chrome binary",
  };
}

/** Whether Playwright's download host answers (any HTTP status will do), within 5 s. */
async function canDownload() {
  // Behind a proxy Playwright's installer may get through where a plain fetch cannot: let it try.
  if (process.env.HTTPS_PROXY || process.env.https_proxy) return true;
  const host = process.env.PLAYWRIGHT_CHROMIUM_DOWNLOAD_HOST || process.env.PLAYWRIGHT_DOWNLOAD_HOST || "https://cdn.playwright.dev";
  try {
    await fetch(host, { method: "HEAD", signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

/** @param {string[]} command */
function run(...command) {
  console.log(`ensure-browser: ${command.join(" ")}`);
  const r = spawnSync(command[0], command.slice(1), { cwd: ROOT, stdio: "inherit", timeout: 15 * 60_000 });
  return r.status === 0;
}

/** How to run a command as root: directly, through password-less sudo, or not at all (null). */
function asRoot() {
  if (process.getuid?.() === 0) return [];
  return existsSync("/usr/bin/sudo") && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0 ? ["sudo", "-n"] : null;
}

async function main() {
  const root = asRoot();
  const hasApt = existsSync("/usr/bin/apt-get");
  /** @type {string[]} */
  const tried = [];
  /** @type {boolean | undefined} */
  let downloadable;
  for (;;) {
    const browser = findBrowser();
    // Only probe the network when a browser has to be installed.
    if (!browser && downloadable === undefined) downloadable = await canDownload();
    const step = nextStep({ browser, env: process.env, canDownload: downloadable ?? false, isRoot: root !== null, hasApt, tried });
    if (step.action === "use") {
      console.log(`ensure-browser: ${step.browser.executablePath} (${step.browser.source})`);
      return 0;
    }
    if (step.action === "stop") {
      console.error(step.message);
      return 1;
    }
    tried.push(step.action);
    if (step.action === "playwright-install") run(process.execPath, path.join(ROOT, "node_modules/@playwright/test/cli.js"), ...step.args);
    else if (run(...(root ?? []), "apt-get", "update", "-qq"))
      run(...(root ?? []), "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "chromium");
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await main());
