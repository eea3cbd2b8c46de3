import type { Locator, Page } from "@playwright/test";
import { spawnAgent } from "../../test/support/agent-process";
import { startServiceCluster, waitFor, type RunningCluster } from "../support/agents";
import { E2E_VIEWER } from "../support/constants";
import { expect, saveScreenshot, signInViaApi, test } from "../support/fixtures";

// An Ephesoft-like cluster: three servers, each running one agent that hosts three services
// (import and ocr with one active each, reporting active-active with a minimum of three).
test.describe.configure({ mode: "serial" });

const CLUSTER = "ep";
const SERVERS = ["srv-a", "srv-b", "srv-c"];
const ONE_MODE = ["import", "ocr"];
let cluster: RunningCluster;

test.beforeAll(async ({ prisma, databaseUrl }) => {
  test.setTimeout(90_000);
  cluster = await startServiceCluster({
    prisma,
    databaseUrl,
    name: CLUSTER,
    servers: SERVERS,
    services: [{ service: "import" }, { service: "ocr" }, { service: "reporting", mode: "ALL", minActive: 3 }],
  });
  await waitFor(
    async () => {
      const nodes = await prisma.node.findMany({
        where: { cluster: { name: CLUSTER } },
        select: { role: true, lastHeartbeatAt: true, cluster: { select: { service: true } } },
      });
      const actives = (service: string) => nodes.filter((n) => n.cluster.service === service && n.role === "ACTIVE").length;
      return nodes.length === 9 && nodes.every((n) => n.lastHeartbeatAt) && actives("import") === 1 && actives("ocr") === 1 && actives("reporting") === 3;
    },
    { timeoutMs: 60_000, what: "nine nodes: import and ocr with one active each, reporting served by all three" },
  );
});

test.afterAll(async () => cluster?.stop());

const column = (page: Page, service: string) => page.locator(`[data-testid="service-matrix"] td[data-service="${service}"]`);
const header = (page: Page, service: string) => page.locator(`[data-testid="service-matrix"] th[data-service="${service}"]`);

/** The one server the matrix shows active for a ONE-mode service. */
async function activeServer(page: Page, service: string): Promise<string> {
  const active = column(page, service).and(page.locator('[data-role="ACTIVE"]'));
  await expect(active).toHaveCount(1);
  return (await active.locator("xpath=ancestor::tr").getAttribute("data-server"))!;
}

const activeOf = async (prisma: import("../../lib/db/client").PrismaClient, service: string) =>
  (await prisma.node.findFirst({ where: { role: "ACTIVE", cluster: { name: CLUSTER, service } }, select: { name: true } }))?.name;

async function expectServing(cell: Locator, count: number) {
  await expect(cell.and(cell.page().locator('[data-role="ACTIVE"]'))).toHaveCount(count);
}

test("the overview counts the cluster's services and the matrix shows exactly one active per ONE-mode service", async ({ signedIn: page }) => {
  await page.goto("/");
  const card = page.getByRole("link", { name: new RegExp(`Cluster ${CLUSTER}: `) });
  await expect(card).toHaveAccessibleName(/3 services, 3 serving/);
  await expect(card.getByTestId("cluster-services")).toContainText("3 services · 3 with an active or serving node");
  await card.click();
  await expect(page.getByRole("heading", { name: `Cluster ${CLUSTER}` })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Services" }).getByRole("link")).toHaveText(["All services", "import", "ocr", "reporting"]);
  await expect(page.locator('[data-testid="service-matrix"] tbody tr[data-server]')).toHaveCount(3);
  for (const service of ONE_MODE) {
    await expect(column(page, service)).toHaveCount(3);
    await activeServer(page, service);
    await expect(header(page, service).getByTestId("service-active")).toHaveText(/^active on srv-[abc]$/);
  }
  await expectServing(column(page, "reporting"), 3);
  await expect(header(page, "reporting").getByTestId("service-serving")).toHaveText("3 of 3 serving (minimum 3)");
  await expect(header(page, "reporting").getByRole("button", { name: /Switch over/ })).toHaveCount(0);
  await saveScreenshot(page, "services-matrix");
});

test("a switchover of one service from the matrix moves that service only", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const from = await activeServer(page, "import");
  const ocrBefore = await activeServer(page, "ocr");
  await header(page, "import").getByRole("button", { name: "Switch over import" }).click();
  const dialog = page.getByRole("dialog", { name: /^Switch over import to srv-[abc]\?$/ });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`Only service import moves; the other services of ${CLUSTER} stay where they are.`);
  const to = /Switch over import to (srv-[abc])\?/.exec((await dialog.getByRole("heading").textContent())!)![1];
  expect(to).not.toBe(from);
  await saveScreenshot(page, "services-switchover-confirm");
  await dialog.getByRole("button", { name: `Switch over to ${to}` }).click();
  await expect(page.locator(`tr[data-server="${to}"] td[data-service="import"]`)).toHaveAttribute("data-role", "ACTIVE", { timeout: 5_000 });
  await expect(page.locator(`tr[data-server="${from}"] td[data-service="import"]`)).toHaveAttribute("data-role", "STANDBY");
  await expect(page.getByTestId("command-progress")).toHaveAttribute("data-status", "SUCCEEDED");
  // The others stay where they were, on screen and in the database, for a few heartbeats.
  await page.waitForTimeout(1_500);
  expect(await activeServer(page, "ocr")).toBe(ocrBefore);
  expect(await activeOf(prisma, "ocr")).toBe(ocrBefore);
  expect(await activeOf(prisma, "import")).toBe(to);
  await expectServing(column(page, "reporting"), 3);
  const requested = await prisma.auditEvent.findMany({ where: { clusterName: CLUSTER, action: "command.requested" }, select: { service: true } });
  expect(requested.map((r) => r.service)).toEqual(["import"]);
  await saveScreenshot(page, "services-switchover-done");
});

test("selecting a service shows its own detail view, linkable by its URL", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  await page.getByRole("navigation", { name: "Services" }).getByRole("link", { name: "import" }).click();
  await expect(page).toHaveURL(new RegExp(`/clusters/${CLUSTER}\\?service=import$`));
  await expect(page.getByText("service import", { exact: true })).toBeVisible();
  await expect(page.locator("tbody tr[data-node]")).toHaveCount(3);
  const active = page.locator('tbody tr[data-node][data-role="ACTIVE"]');
  await expect(active).toHaveCount(1);
  expect(await active.getAttribute("data-node")).toBe(await activeOf(prisma, "import"));
  await expect(page.getByRole("link", { name: "import", exact: true })).toHaveAttribute("aria-current", "page");
  // The linked URL of an active-active service: its serving count, no switchover.
  await page.goto(`/clusters/${CLUSTER}?service=reporting`);
  await expect(page.getByTestId("serving-count")).toHaveText("3 of 3 serving (minimum 3)");
  await expect(page.locator('tbody tr[data-node] [data-role="ACTIVE"]')).toHaveText(["Serving", "Serving", "Serving"]);
  await expect(page.locator('tbody tr[data-node][data-role="ACTIVE"]')).toHaveCount(3);
  await expect(page.getByRole("button", { name: /Switch over|Promote|Demote/ })).toHaveCount(0);
  await saveScreenshot(page, "services-detail-reporting");
});

test("the audit page has a service column and filters by service; a timeline per service", async ({ signedIn: page }) => {
  await page.goto(`/audit?cluster=${CLUSTER}`);
  await expect(page.locator("tr[data-audit-id]").first()).toBeVisible();
  await page.getByLabel(/^Service/).selectOption("import");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/service=import/);
  const rows = page.locator("tr[data-audit-id]");
  await expect(rows.locator('td[data-column="service"]').first()).toHaveText("import");
  await expect(rows.filter({ hasText: "command.requested" })).toHaveCount(1);
  const services = await rows.locator('td[data-column="service"]').allTextContents();
  expect(new Set(services)).toEqual(new Set(["import"]));
  await expect(page.getByRole("figure")).toHaveCount(1);
  await expect(page.getByRole("figure")).toContainText(`Active node of ${CLUSTER} · service import`);

  await page.getByLabel(/^Service/).selectOption("ocr");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/service=ocr/);
  await expect(rows.locator('td[data-column="service"]').first()).toHaveText("ocr");
  await expect(rows.filter({ hasText: "command.requested" })).toHaveCount(0);

  // No service filter: one timeline per service of the cluster.
  await page.goto(`/audit?cluster=${CLUSTER}`);
  await expect(page.getByRole("figure")).toHaveCount(3);
  await saveScreenshot(page, "services-audit");
});

test("a switchover in a service's detail view, then Rebalance spreads the services again, move by move", async ({ signedIn: page, prisma }) => {
  // Stack ocr onto import's server from ocr's own page (its node table, with ?service=ocr).
  await page.goto(`/clusters/${CLUSTER}`);
  const importOn = await activeServer(page, "import");
  await page.goto(`/clusters/${CLUSTER}?service=ocr`);
  const row = page.locator(`tbody tr[data-node="${importOn}"]`);
  if ((await row.getAttribute("data-role")) !== "ACTIVE") {
    await row.getByRole("button", { name: "Switch over here" }).click();
    const dialog = page.getByRole("dialog", { name: `Switch over ocr to ${importOn}?` });
    await dialog.getByRole("button", { name: `Switch over to ${importOn}` }).click();
    await expect(row).toHaveAttribute("data-role", "ACTIVE", { timeout: 5_000 });
  }
  expect(await activeOf(prisma, "ocr")).toBe(importOn);

  await page.goto(`/clusters/${CLUSTER}`);
  const panel = page.getByRole("region", { name: "Rebalance" });
  await panel.getByRole("button", { name: "Rebalance" }).click();
  await panel.getByLabel("Reason (optional, goes into the audit log)").fill("e2e: even spread");
  await panel.getByRole("button", { name: "Rebalance now" }).click();
  const moves = panel.getByTestId("rebalance-moves").locator("li");
  await expect(moves).toHaveCount(1, { timeout: 10_000 });
  await expect(moves).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 10_000 });
  await expect(moves).toContainText(new RegExp(`^(import|ocr): ${importOn} → srv-[abc]`));
  await expect(panel.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 10_000 });
  const rebalance = await prisma.auditEvent.findFirst({ where: { clusterName: CLUSTER, action: "rebalance.requested" }, select: { reason: true } });
  expect(rebalance?.reason).toContain("e2e: even spread");
  // Spread again: import and ocr active on two different servers, shown so in the matrix.
  await expect.poll(async () => new Set([await activeServer(page, "import"), await activeServer(page, "ocr")]).size).toBe(2);
  await saveScreenshot(page, "services-rebalance");
});

test("a viewer sees the matrix and the rebalance, but no buttons that change them", async ({ page }) => {
  await signInViaApi(page, E2E_VIEWER);
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(page.locator('[data-testid="service-matrix"] tbody tr[data-server]')).toHaveCount(3);
  await expect(page.getByRole("region", { name: "Rebalance" })).toBeVisible();
  await expect(page.getByRole("button", { name: /Switch over|Rebalance/ })).toHaveCount(0);
});

test("an active-active service below its minimum after a server's agent is killed is flagged", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(header(page, "reporting").getByTestId("service-serving")).toHaveText("3 of 3 serving (minimum 3)");
  await cluster.kill("srv-c");
  const serving = header(page, "reporting").getByTestId("service-serving");
  await expect(serving).toHaveText("2 of 3 serving (minimum 3)below minimum", { timeout: 15_000 });
  await expect(header(page, "reporting")).toHaveAttribute("data-below-minimum", "true");
  await expectServing(column(page, "reporting"), 2);
  // The ONE-mode services still have one active each, on the survivors.
  for (const service of ONE_MODE) {
    await expect(page.locator(`tr[data-server]:not([data-server="srv-c"]) td[data-service="${service}"][data-role="ACTIVE"]`)).toHaveCount(1, {
      timeout: 15_000,
    });
  }
  await saveScreenshot(page, "services-below-minimum");
  await page.goto("/");
  const card = page.getByRole("link", { name: new RegExp(`Cluster ${CLUSTER}: `) });
  await expect(card).toHaveAccessibleName(/reporting below minimum/);
  await saveScreenshot(page, "services-overview-below-minimum");
  await expect(card.locator('li[data-service="reporting"]')).toContainText("2 serving (minimum 3)BELOW MINIMUM", { ignoreCase: true });
});

test("a server that hosts only some of the services: a dash where it hosts none", async ({ signedIn: page, databaseUrl }) => {
  // One agent process for one service (--service), beside the --service-config agents.
  const agent = spawnAgent({ url: databaseUrl, cluster: CLUSTER, node: "srv-d", priority: 10, args: ["--host", "srv-d.e2e.local", "--service", "ocr"] });
  try {
    await page.goto(`/clusters/${CLUSTER}`);
    const row = page.locator('[data-testid="service-matrix"] tr[data-server="srv-d"]');
    await expect(row.locator('td[data-service="ocr"]')).toHaveAttribute("data-role", "STANDBY", { timeout: 15_000 });
    for (const service of ["import", "reporting"]) {
      await expect(row.locator(`td[data-service="${service}"]`)).toHaveAttribute("data-hosted", "false");
      await expect(row.locator(`td[data-service="${service}"]`)).toHaveText("–not hosted");
    }
    await saveScreenshot(page, "services-partial-server");
  } finally {
    agent.signal("SIGTERM");
    await agent.exited();
  }
});
