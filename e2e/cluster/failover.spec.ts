import { readFile } from "node:fs/promises";
import { startCluster, waitFor, type RunningCluster } from "../support/agents";
import { E2E_ADMIN } from "../support/constants";
import { expect, saveScreenshot, test } from "../support/fixtures";

// One cluster of three real agents for the whole file; the tests follow an operator's night.
test.describe.configure({ mode: "serial" });

const CLUSTER = "orders";
let cluster: RunningCluster;

test.beforeAll(async ({ prisma, databaseUrl }) => {
  cluster = await startCluster({
    prisma,
    databaseUrl,
    name: CLUSTER,
    nodes: [
      { node: "node-a", priority: 100 },
      { node: "node-b", priority: 90 },
      { node: "node-c", priority: 80 },
    ],
  });
  // Ready when all three heartbeat and one holds the lease.
  await waitFor(
    async () => {
      const nodes = await prisma.node.findMany({ where: { cluster: { name: CLUSTER } } });
      return nodes.length === 3 && nodes.every((n) => n.lastHeartbeatAt) && nodes.some((n) => n.role === "ACTIVE");
    },
    { timeoutMs: 30_000, what: "three agents with one active" },
  );
});

test.afterAll(async () => cluster?.stop());

const row = (page: import("@playwright/test").Page, node: string) => page.locator(`tr[data-node="${node}"]`);

async function activeNode(page: import("@playwright/test").Page): Promise<string> {
  const active = page.locator('tr[data-role="ACTIVE"]');
  await expect(active).toHaveCount(1);
  return (await active.getAttribute("data-node"))!;
}

test("the cluster page shows three nodes, exactly one active", async ({ signedIn: page }) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: new RegExp(`Cluster ${CLUSTER}: OK`) })).toBeVisible();
  await saveScreenshot(page, "clusters-overview");
  await page.getByRole("link", { name: new RegExp(`Cluster ${CLUSTER}`) }).click();
  await expect(page.getByRole("heading", { name: `Cluster ${CLUSTER}` })).toBeVisible();
  await expect(page.locator("tbody tr[data-node]")).toHaveCount(3);
  await expect(page.locator('tr[data-health="healthy"]')).toHaveCount(3);
  await activeNode(page);
  await saveScreenshot(page, "cluster-live");
});

test("switch over to another node: it is active and the old one standby within 5 s", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const from = await activeNode(page);
  const to = ["node-a", "node-b", "node-c"].find((n) => n !== from)!;
  await row(page, to).getByRole("button", { name: "Switch over here" }).click();
  const dialog = page.getByRole("dialog", { name: `Switch over to ${to}?` });
  await expect(dialog).toContainText(`${from} stops being active; ${to} becomes active.`);
  await saveScreenshot(page, "switchover-confirm");
  const clicked = Date.now();
  await dialog.getByRole("button", { name: `Switch over to ${to}` }).click();
  await expect(row(page, to)).toHaveAttribute("data-role", "ACTIVE", { timeout: 5_000 });
  await expect(row(page, from)).toHaveAttribute("data-role", "STANDBY", { timeout: 5_000 });
  const tookMs = Date.now() - clicked;
  await expect(page.getByTestId("command-progress")).toHaveAttribute("data-status", "SUCCEEDED");
  test.info().annotations.push({ type: "switchover seen in UI after (ms)", description: String(tookMs) });
  expect(tookMs).toBeLessThan(5_000);
  await saveScreenshot(page, "switchover-done");
});

test("the audit page shows that switchover with the user's email, and the timeline", async ({ signedIn: page }) => {
  await page.goto(`/audit?cluster=${CLUSTER}`);
  const requested = page.locator("tr[data-audit-id]", { hasText: "command.requested" });
  await expect(requested).toHaveCount(1);
  await expect(requested).toContainText(E2E_ADMIN.email);
  await expect(page.locator("tr[data-audit-id]", { hasText: "command.promoted" })).toHaveCount(1);
  await page.getByText(/Intervals as text/).first().click();
  await expect(page.getByTestId("timeline-intervals").first().locator("li")).toHaveCount(2);
  await saveScreenshot(page, "audit");
});

test("CSV export downloads exactly the rows shown", async ({ signedIn: page }) => {
  await page.goto(`/audit?cluster=${CLUSTER}&actor=${encodeURIComponent(E2E_ADMIN.email)}`);
  const rows = page.locator("tr[data-audit-id]");
  await expect(rows.first()).toBeVisible();
  const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-audit-id")));
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV (rows shown)" }).click();
  const file = await (await download).path();
  const lines = (await readFile(file, "utf8")).trim().split("\r\n");
  expect(lines[0]).toBe("id,at,actor,action,cluster,node,fromRole,toRole,epoch,commandId,reason,details");
  expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(shown);
  expect(lines.slice(1).every((l) => l.includes(`user:${E2E_ADMIN.email}`))).toBe(true);
});

test("kill -9 the active agent: the UI marks it down and another node active", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const victim = await activeNode(page);
  await cluster.kill(victim, "SIGKILL");
  const killedAt = Date.now();
  await expect(row(page, victim)).toHaveAttribute("data-health", "down", { timeout: 10_000 });
  await expect(row(page, victim)).toHaveAttribute("data-role", "STANDBY", { timeout: 10_000 });
  const survivor = await activeNode(page);
  expect(survivor).not.toBe(victim);
  await expect(row(page, survivor)).toHaveAttribute("data-health", "healthy");
  test.info().annotations.push({ type: "failover seen in UI after (ms)", description: String(Date.now() - killedAt) });
  await saveScreenshot(page, "after-kill");
});
