// The cluster page with 1,000 nodes in real Chromium (Debian's /usr/bin/chromium via playwright-core):
// navigation start -> every node row in the table.
import { chromium } from "playwright-core";
import type { Console } from "./lib/console";
import { summarize } from "./lib/stats";

export async function benchRender({ console, cluster, nodes, loads = 3 }: { console: Console; cluster: string; nodes: number; loads?: number }) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const host = new URL(console.url).hostname;
    await context.addCookies(
      console.cookie.split("; ").map((pair) => {
        const i = pair.indexOf("=");
        return { name: pair.slice(0, i), value: pair.slice(i + 1), domain: host, path: "/" };
      }),
    );
    const page = await context.newPage();
    const times: number[] = [];
    for (let i = 0; i < loads + 1; i++) {
      const t0 = performance.now();
      await page.goto(`${console.url}/clusters/${cluster}`, { waitUntil: "commit" });
      await page.waitForFunction((n) => document.querySelectorAll("tr[data-node]").length >= n, nodes, { timeout: 60_000, polling: "raf" });
      if (i > 0) times.push(performance.now() - t0); // the first load warms the server's route cache
    }
    // Steady state: the table re-renders as ages tick; how much main-thread time does that take?
    const busy = await page.evaluate(
      () =>
        new Promise<{ longTaskMs: number; longTasks: number }>((resolve) => {
          let total = 0;
          let count = 0;
          const obs = new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              total += e.duration;
              count++;
            }
          });
          obs.observe({ type: "longtask", buffered: false });
          setTimeout(() => {
            obs.disconnect();
            resolve({ longTaskMs: Math.round(total), longTasks: count });
          }, 5000);
        }),
    );
    return { nodes, loadToAllRowsMs: summarize(times), steadyState5s: busy };
  } finally {
    await browser.close();
  }
}
