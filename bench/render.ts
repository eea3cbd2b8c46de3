// The cluster page with 1,000 nodes in real Chromium (Debian's /usr/bin/chromium via playwright-core):
// navigation start -> the node table ready (every row in the DOM, or, once the table is virtualized,
// its first screen of rows with the whole set counted), then long tasks while it polls in steady
// state. `benchConsoleAtScale` (`npm run bench -- --only render`) does the same on a quiet machine
// with 1,000 idle node rows kept fresh by one UPDATE a second, plus the detail API's latency.
import os from "node:os";
import pg from "pg";
import { chromium } from "playwright-core";
import type { Console } from "./lib/console";
import { apiLoad } from "./lib/console";
import { sleep, summarize } from "./lib/stats";

type RenderOptions = { console: Console; cluster: string; nodes: number; loads?: number; steadySeconds?: number; steadyWindows?: number };

export async function benchRender({ console, cluster, nodes, loads = 3, steadySeconds = 10, steadyWindows = 1 }: RenderOptions) {
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
    const loadAverage: number[] = [];
    let virtualized = false;
    for (let i = 0; i < loads + 1; i++) {
      const t0 = performance.now();
      await page.goto(`${console.url}/clusters/${cluster}`, { waitUntil: "commit" });
      // Ready: every row in the DOM (a plain table), or a virtualized table that counts all n nodes
      // (data-node-count) and shows its first screen of them.
      const how = await page
        .waitForFunction(
          (n) => {
            const rows = document.querySelectorAll("tr[data-node]").length;
            if (rows >= n) return "all";
            const total = Number(document.querySelector("table[data-node-count]")?.getAttribute("data-node-count") ?? -1);
            return total >= n && rows >= Math.min(n, 5) ? "virtual" : false;
          },
          nodes,
          { timeout: 60_000, polling: "raf" },
        )
        .catch(async (err: Error) => {
          const seen = await page.evaluate(() => ({
            rows: document.querySelectorAll("tr[data-node]").length,
            counted: document.querySelector("table[data-node-count]")?.getAttribute("data-node-count"),
          }));
          throw new Error(`${err.message} (rows in the DOM: ${seen.rows}, data-node-count: ${seen.counted ?? "none"})`);
        });
      virtualized = (await how.jsonValue()) === "virtual";
      if (i > 0) {
        times.push(performance.now() - t0); // the first load warms the server's route cache
        loadAverage.push(os.loadavg()[0]);
      }
    }
    // A virtualized table: how long from scrolling to the bottom until the last row is on screen.
    let scrollToLastRowMs: number | null = null;
    if (virtualized) {
      // (No named functions inside evaluate: tsx would wrap them in a helper the page lacks.)
      scrollToLastRowMs = await page.evaluate(async () => {
        const t0 = performance.now();
        window.scrollTo(0, document.body.scrollHeight);
        const total = Number(document.querySelector("table[data-node-count]")?.getAttribute("data-node-count") ?? 0);
        while (!document.querySelector(`tr[data-node][aria-rowindex="${total + 1}"]`)) await new Promise((r) => requestAnimationFrame(r));
        const ms = performance.now() - t0;
        window.scrollTo(0, 0);
        return Math.round(ms);
      });
    }
    // Steady state: the page polls every 500 ms and ages tick; how much main-thread time does that take?
    const steady: { seconds: number; longTaskMs: number; longTasks: number; loadAverage: number }[] = [];
    for (let w = 0; w < steadyWindows; w++) {
      const busy = await page.evaluate(
        (seconds) =>
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
            }, seconds * 1000);
          }),
        steadySeconds,
      );
      steady.push({ seconds: steadySeconds, ...busy, loadAverage: os.loadavg()[0] });
    }
    return {
      nodes,
      virtualized,
      loadToAllRowsMs: summarize(times),
      loadAverage,
      scrollToLastRowMs,
      steadyState: steady,
      steadyStateLongTaskMsMedian: median(steady.map((s) => s.longTaskMs)),
    };
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `--only render`: a cluster of `nodes` node rows written directly (no agents: one UPDATE a
 * second keeps their heartbeats fresh, each with a check and the agent's metrics, so the API ships
 * what a real fleet's would), then the detail API's latency (as a client polling the whole list,
 * and as the cluster page polls it), then the page in Chromium.
 */
export async function benchConsoleAtScale({
  url,
  console,
  nodes = 1000,
  apiSeconds = 15,
  log,
}: {
  url: string;
  console: Console;
  nodes?: number;
  apiSeconds?: number;
  log: (m: string) => void;
}) {
  const cluster = `render-${nodes}`;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  let stop = false;
  let refresher: Promise<void> | null = null;
  try {
    const {
      rows: [c],
    } = await db.query<{ id: string }>(
      `INSERT INTO "Cluster" (id, name, "heartbeatMs", "leaseMs", paused, epoch) VALUES (gen_random_uuid(), $1, 1000, 5000, true, 1) RETURNING id`,
      [cluster],
    );
    await db.query(
      `INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt",
         metrics, "checkStatus", "checkSince", checks)
       SELECT gen_random_uuid(), $1::uuid, 'n' || lpad(i::text, 4, '0'), 'host-' || i || '.example.net', '0.9.0',
         (CASE WHEN i = 0 THEN 'ACTIVE' ELSE 'STANDBY' END)::"NodeRole", 100 - (i % 50), clock_timestamp(),
         CASE WHEN i = 0 THEN clock_timestamp() + interval '5 s' END, CASE WHEN i = 0 THEN 1 END, now(),
         jsonb_build_object('load1', 0.42, 'rssMb', 48, 'uptimeS', 3600), 'PASSING', now(),
         jsonb_build_array(jsonb_build_object('name', 'http', 'status', 'PASSING', 'since', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'output', 'HTTP 200 in 3 ms'))
       FROM generate_series(0, $2::int - 1) i`,
      [c.id, nodes],
    );
    refresher = (async () => {
      while (!stop) {
        await db.query(
          `UPDATE "Node" SET "lastHeartbeatAt" = clock_timestamp(), "leaseExpiresAt" = CASE WHEN role = 'ACTIVE' THEN clock_timestamp() + interval '5 s' END WHERE "clusterId" = $1::uuid`,
          [c.id],
        );
        await sleep(1000);
      }
    })();
    await sleep(1500);
    const path = `/api/v1/clusters/${cluster}`;
    // What the cluster page asks for (since the node list is paged and sorted on the server); an
    // older console ignores the parameters and answers with the whole list.
    const pagePath = `${path}?sort=name&order=asc&limit=50&offset=0`;
    await apiLoad(console, path, 1, 5); // warm-up: the route's module loads on its first request
    log(`  render: GET ${path} (whole list), ${apiSeconds} s at up to 5/s`);
    const apiWhole = await apiLoad(console, path, apiSeconds, 5);
    log(`  render: GET ${pagePath} (the page's query), ${apiSeconds} s at up to 5/s`);
    const apiPage = await apiLoad(console, pagePath, apiSeconds, 5);
    log(`  render: the ${cluster} page in Chromium, 3 loads, then 3 x 10 s of steady polling`);
    const render = await benchRender({ console, cluster, nodes, loads: 3, steadySeconds: 10, steadyWindows: 3 });
    return { cluster, nodes, api: { wholeList: apiWhole, pageQuery: apiPage }, render };
  } finally {
    stop = true;
    await refresher;
    await db.end();
  }
}
