import { expect, saveScreenshot, test } from "../support/fixtures";

// A cluster of 1,000 idle node rows written directly (no agents): the table shows only the rows on
// screen, counts the whole set, and searches, filters and sorts on the server.
const CLUSTER = "big-e2e";
const N = 1000;
const name = (i: number) => `n${String(i).padStart(4, "0")}`;

test.beforeAll(async ({ prisma }) => {
  await prisma.cluster.deleteMany({ where: { name: CLUSTER } });
  // Slow timings: the seeded heartbeats stay healthy for two minutes. Every node has its own
  // priority ((i x 7) mod 1000: n0857 highest, n0000 lowest); every hundredth node is down.
  const cluster = await prisma.cluster.create({ data: { name: CLUSTER, heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n, paused: true } });
  await prisma.$executeRaw`
    INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt", "checkStatus")
    SELECT gen_random_uuid(), ${cluster.id}::uuid, 'n' || lpad(i::text, 4, '0'), 'rack-' || (i / 100) || '.dc1', '0.1.0',
      (CASE WHEN i = 1 THEN 'ACTIVE' ELSE 'STANDBY' END)::"NodeRole", (i * 7) % 1000,
      CASE WHEN i % 100 = 99 THEN now() - interval '10 minutes' ELSE now() END,
      CASE WHEN i = 1 THEN now() + interval '1 hour' END, CASE WHEN i = 1 THEN 1 END, now(), 'PASSING'
    FROM generate_series(0, ${N - 1}::int) i`;
});

test.afterAll(async ({ prisma }) => {
  await prisma.cluster.deleteMany({ where: { name: CLUSTER } });
});

const rows = (page: import("@playwright/test").Page) => page.locator("tbody tr[data-node]");
const firstRow = (page: import("@playwright/test").Page) => rows(page).first();

test("1,000 nodes: counted in full, only the rows on screen rendered, the last one reachable by scrolling", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(page.getByTestId("node-counts")).toHaveText("1,000 nodes · 990 healthy · 10 down");
  const table = page.getByRole("table", { name: /Nodes, their roles and health/ });
  await expect(table).toHaveAttribute("aria-rowcount", String(N + 1));
  await expect(firstRow(page)).toHaveAttribute("data-node", name(0));
  const rendered = await rows(page).count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(100);
  await expect(firstRow(page)).toHaveAttribute("aria-rowindex", "2");
  // The active node is known to the page whatever the table shows: no "No node is active" banner.
  await expect(page.getByText("No node is active.")).toHaveCount(0);

  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(page.locator(`tr[data-node="${name(N - 1)}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-node="${name(N - 1)}"]`)).toHaveAttribute("aria-rowindex", String(N + 1));
  expect(await rows(page).count()).toBeLessThan(100);
  await saveScreenshot(page, "large-cluster-bottom");
});

test("search by name or host, filter by health, each answered by the server; counts stay whole", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const search = page.getByRole("searchbox", { name: "Search nodes by name or host" });
  await search.fill("n0420");
  await expect(rows(page)).toHaveCount(1);
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0420");
  await expect(page.getByTestId("node-matching")).toHaveText("1 of 1,000 nodes match");
  await expect(page.getByTestId("node-counts")).toHaveText("1,000 nodes · 990 healthy · 10 down");
  await page.screenshot({ path: "test-results/screenshots/large-cluster-search-viewport.png" });

  await search.fill("RACK-7.dc1");
  await expect(page.getByTestId("node-matching")).toHaveText("100 of 1,000 nodes match");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0700");

  await page.getByRole("combobox", { name: "Health" }).selectOption("down");
  await expect(rows(page)).toHaveCount(1);
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0799");

  await search.fill("nothing-like-this");
  await expect(page.getByText("No node matches the search and filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(search).toHaveValue("");
  await expect(page.getByTestId("node-matching")).toHaveText("");
  await expect(firstRow(page)).toHaveAttribute("data-node", name(0));
  await saveScreenshot(page, "large-cluster-search");
});

test("sortable headers (mouse and keyboard): the server sorts all 1,000, aria-sort says how", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(firstRow(page)).toHaveAttribute("data-node", name(0));
  const header = (label: string) => page.getByRole("columnheader", { name: label });
  await expect(header("Node")).toHaveAttribute("aria-sort", "ascending");

  await header("Priority").getByRole("button").click();
  await expect(header("Priority")).toHaveAttribute("aria-sort", "descending");
  await expect(header("Node")).toHaveAttribute("aria-sort", "none");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0857"); // priority 999
  await page.screenshot({ path: "test-results/screenshots/large-cluster-sorted-viewport.png" });
  await header("Priority").getByRole("button").click();
  await expect(header("Priority")).toHaveAttribute("aria-sort", "ascending");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0000"); // priority 0

  // Health: problems first; by keyboard.
  await header("Health").getByRole("button").focus();
  await page.keyboard.press("Enter");
  await expect(header("Health")).toHaveAttribute("aria-sort", "descending");
  await expect(firstRow(page)).toHaveAttribute("data-health", "down");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0099");

  await header("Role").getByRole("button").click();
  await expect(firstRow(page)).toHaveAttribute("data-role", "ACTIVE");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0001");

  // The node name, descending: the last node first.
  await header("Node").getByRole("button").click();
  await header("Node").getByRole("button").click();
  await expect(header("Node")).toHaveAttribute("aria-sort", "descending");
  await expect(firstRow(page)).toHaveAttribute("data-node", name(N - 1));
});

test("on a phone (rows as cards, no header row) the order is chosen from a Sort list", async ({ signedIn: page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(firstRow(page)).toHaveAttribute("data-node", name(0));
  await page.getByRole("combobox", { name: "Sort" }).selectOption("priority-desc");
  await expect(firstRow(page)).toHaveAttribute("data-node", "n0857");
  expect(await rows(page).count()).toBeLessThan(60);
  await page.screenshot({ path: "test-results/screenshots/large-cluster-phone-viewport.png" });
});
