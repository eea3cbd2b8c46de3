import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { freePort } from "../../lib/db/embedded-postgres";
import { demoServiceArgs } from "../../scripts/demo-agents";
import { startCluster, waitFor, type RunningCluster } from "../support/agents";
import { E2E_ADMIN } from "../support/constants";
import { expect, saveScreenshot, test } from "../support/fixtures";

// The demo, for real: every agent supervises scripts/demo-service.mjs (a small HTTP server) while
// active, with an HTTP check on it that runs only while active (exactly the flags of `npm run
// demo`). The service fails, not the agent; the console shows another node take over.
test.describe.configure({ mode: "serial" });

const CLUSTER = "payments";
const NODES = ["node-a", "node-b", "node-c"];
let cluster: RunningCluster;
let pidFile: string;

test.beforeAll(async ({ prisma, databaseUrl }) => {
  test.setTimeout(90_000);
  pidFile = path.join(await mkdtemp(path.join(tmpdir(), "fc-e2e-service-")), "service.pid");
  const nodes = [];
  for (const [i, node] of NODES.entries()) nodes.push({ node, priority: 100 - 10 * i, args: demoServiceArgs({ servicePort: await freePort(), pidFile }) });
  cluster = await startCluster({ prisma, databaseUrl, name: CLUSTER, nodes });
  await waitFor(
    async () => {
      const rows = await prisma.node.findMany({ where: { cluster: { name: CLUSTER } } });
      return rows.length === 3 && rows.every((n) => n.lastHeartbeatAt && n.checkStatus === "PASSING") && rows.some((n) => n.role === "ACTIVE");
    },
    { timeoutMs: 60_000, what: "three agents, one active, every node's checks passing" },
  );
});

test.afterAll(async () => {
  const pid = await servicePid().catch(() => null);
  if (pid) signal(pid, "SIGCONT");
  await cluster?.stop();
});

const row = (page: Page, node: string) => page.locator(`tr[data-node="${node}"]`);

async function activeNode(page: Page): Promise<string> {
  const active = page.locator('tr[data-role="ACTIVE"]');
  await expect(active).toHaveCount(1);
  return (await active.getAttribute("data-node"))!;
}

/** The running service's pid, as it wrote it (only the active node runs one). */
async function servicePid(): Promise<number> {
  return Number((await readFile(pidFile, "utf8")).trim());
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Running or stopped; a zombie (killed, waiting for a reaper: PID 1 in a container may be slow) is dead. */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0] !== "Z";
  } catch {
    return false;
  }
};

/** Waits until `node` is active with its checks passing, on screen, and its service wrote its pid. */
async function activeAndServing(page: Page, prisma: import("../../lib/db/client").PrismaClient): Promise<{ node: string; pid: number }> {
  const node = await activeNode(page);
  await expect(row(page, node)).toHaveAttribute("data-check-status", "PASSING", { timeout: 10_000 });
  const pid = await waitFor(
    async () => {
      const p = await servicePid().catch(() => 0);
      const active = await prisma.node.findFirst({ where: { cluster: { name: CLUSTER }, role: "ACTIVE" } });
      return p && alive(p) && active?.name === node && p;
    },
    { what: `${node}'s service pid` },
  );
  return { node, pid };
}

test("the nodes show their checks: the active's HTTP check passes, with its output", async ({ signedIn: page }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const active = await activeNode(page);
  await expect(row(page, active)).toHaveAttribute("data-check-status", "PASSING");
  const checks = row(page, active).getByTestId("node-checks");
  await expect(checks.locator("[data-check-status]")).toHaveText(/passing/i);
  await checks.getByText(/1 check/).click();
  await expect(checks.locator('li[data-check="service"]')).toHaveText(/service passing — HTTP 200/);
  await saveScreenshot(page, "checks-passing");
});

test("kill -9 the service on the active node: another node is active on screen", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const { node: victim, pid } = await activeAndServing(page, prisma);
  process.kill(pid, "SIGKILL");
  const killedAt = Date.now();
  await expect(page.locator(`tr[data-role="ACTIVE"]:not([data-node="${victim}"])`)).toHaveCount(1, { timeout: 10_000 });
  const tookMs = Date.now() - killedAt;
  const survivor = await activeNode(page);
  expect(survivor).not.toBe(victim);
  await expect(row(page, victim)).toHaveAttribute("data-health", "healthy"); // the agent lives; its service died
  test.info().annotations.push({ type: "service kill -9 -> new active on screen (ms)", description: String(tookMs) });
  console.log(`service kill -9 on ${victim} -> ${survivor} active on screen in ${tookMs} ms (heartbeat 250 ms, lease 2000 ms)`);
  expect(tookMs).toBeLessThan(5_000);
  expect(await prisma.auditEvent.findFirst({ where: { clusterName: CLUSTER, action: "agent.stepped_down", nodeName: victim } })).not.toBeNull();
  await saveScreenshot(page, "service-killed");
});

test("the service hangs (SIGSTOP): its HTTP check fails after fall x interval and the active steps down", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const { node: victim, pid } = await activeAndServing(page, prisma);
  const fromId = (await prisma.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } })).id;
  process.kill(pid, "SIGSTOP");
  const stoppedAt = Date.now();
  try {
    await expect(page.locator(`tr[data-role="ACTIVE"]:not([data-node="${victim}"])`)).toHaveCount(1, { timeout: 15_000 });
  } finally {
    signal(pid, "SIGCONT");
  }
  const tookMs = Date.now() - stoppedAt;
  const survivor = await activeNode(page);
  test.info().annotations.push({ type: "service SIGSTOP -> new active on screen (ms)", description: String(tookMs) });
  console.log(`service SIGSTOP on ${victim} -> ${survivor} active on screen in ${tookMs} ms (check every 500 ms, timeout 400 ms, fall 3)`);
  expect(tookMs).toBeLessThan(10_000);
  const failing = await prisma.auditEvent.findFirst({ where: { clusterName: CLUSTER, action: "check.failing", nodeName: victim, id: { gt: fromId } } });
  expect(failing?.reason).toBe("service: timed out after 400 ms");
  // The hung service was killed on the way down (SIGTERM, then SIGKILL after the demote budget), before the new active started its own.
  expect(alive(pid)).toBe(false);
  // Flap damping: stepped down for failing checks, it is held off elections.
  await expect(row(page, victim)).toContainText(/held off/);
  await saveScreenshot(page, "service-hung");
});

test("the active's checks fail and no standby passes: it keeps the role, and the page says so", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const { node: active, pid } = await activeAndServing(page, prisma);
  const standbys = NODES.filter((n) => n !== active);
  // Written as the standbys' agents would report failing checks (they write again only on a change).
  const failing = JSON.stringify([{ name: "disk", status: "FAILING", since: new Date().toISOString(), output: "/var full" }]);
  await prisma.$executeRaw`UPDATE "Node" SET "checkStatus" = 'FAILING', "checkSince" = now(), checks = ${failing}::jsonb
    WHERE name = ANY(${standbys}) AND "clusterId" = (SELECT id FROM "Cluster" WHERE name = ${CLUSTER})`;
  process.kill(pid, "SIGSTOP");
  try {
    const banner = page.getByTestId("kept-without-standby");
    await expect(banner).toContainText(`${active}'s checks fail (service: timed out after 400 ms), but no standby passes its own checks`, { timeout: 10_000 });
    await expect(row(page, active)).toHaveAttribute("data-check-status", "FAILING");
    await expect(row(page, standbys[0]).getByTestId("node-checks").locator("[data-check-status]")).toHaveText(/failing/i);
    await saveScreenshot(page, "checks-kept-without-standby");
    await expect
      .poll(async () => prisma.auditEvent.count({ where: { clusterName: CLUSTER, action: "check.no_standby", nodeName: active } }), { timeout: 5_000 })
      .toBeGreaterThan(0);
    expect(await activeNode(page)).toBe(active);
  } finally {
    signal(pid, "SIGCONT");
  }
  await expect(row(page, active)).toHaveAttribute("data-check-status", "PASSING", { timeout: 10_000 });
  await expect(page.getByTestId("kept-without-standby")).toHaveCount(0);
  expect(await activeNode(page)).toBe(active);
});

test("a switchover onto a node whose checks fail needs an ADMIN's Force, audited as forced", async ({ signedIn: page, prisma }) => {
  await page.goto(`/clusters/${CLUSTER}`);
  const from = await activeNode(page);
  // A standby not held off (the hung service's node is, for the cluster's check hold-off).
  const to = (
    await prisma.node.findFirstOrThrow({
      where: { cluster: { name: CLUSTER }, role: "STANDBY", checkStatus: "FAILING", OR: [{ holdUntil: null }, { holdUntil: { lt: new Date() } }] },
    })
  ).name;
  await row(page, to)
    .getByTestId("node-checks")
    .getByText(/1 check/)
    .click();
  await expect(row(page, to).locator('li[data-check="disk"]')).toHaveText(/disk failing — \/var full/);
  await row(page, to).getByRole("button", { name: "Switch over here" }).click();
  const dialog = page.getByRole("dialog", { name: `Switch over to ${to}?` });
  await expect(dialog).toContainText(`${to}'s checks fail (disk: /var full): the console refuses it unless an ADMIN forces it.`);
  const confirm = dialog.getByRole("button", { name: new RegExp(`Switch over to ${to}`) });
  await expect(confirm).toBeDisabled();
  await dialog.getByRole("checkbox", { name: /Force/ }).check();
  await expect(confirm).toHaveText(`Force: Switch over to ${to}`);
  await saveScreenshot(page, "checks-force");
  await confirm.click();
  await expect(row(page, to)).toHaveAttribute("data-role", "ACTIVE", { timeout: 10_000 });
  expect(await prisma.auditEvent.findFirst({ where: { clusterName: CLUSTER, action: "command.requested" }, orderBy: { id: "desc" } })).toMatchObject({
    actor: `user:${E2E_ADMIN.email}`,
    nodeName: to,
    details: { forced: `${to}'s checks fail (disk: /var full)` },
  });
  expect(from).not.toBe(to);
});

test("flap damping is set in the settings form; a cluster it paused says why", async ({ signedIn: page, prisma }) => {
  const stored = async () => prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: CLUSTER, service: "main" } } });
  await page.goto(`/clusters/${CLUSTER}`);
  await expect(page.getByText("flap damping: hold-off 1 min · at most 3 failovers per 10 min")).toBeVisible();
  await page.getByLabel("Failover limit").fill("5");
  await page.getByLabel("Check hold-off (ms)").fill("30000");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect.poll(async () => (await stored()).failoverLimit).toBe(5);
  expect((await stored()).checkHoldOffMs).toBe(30_000);
  await expect(page.getByText("flap damping: hold-off 30.0 s · at most 5 failovers per 10 min")).toBeVisible();
  expect(await prisma.auditEvent.findFirst({ where: { action: "cluster.settings_changed", clusterName: CLUSTER }, orderBy: { id: "desc" } })).toMatchObject({
    actor: `user:${E2E_ADMIN.email}`,
    details: { failoverLimit: { from: 3, to: 5 }, checkHoldOffMs: { from: 60_000, to: 30_000 } },
  });

  // As the election leaves it when the limit is reached (lib/cluster/elect-active.ts).
  const { id } = await stored();
  const reason = "automatic failover paused: 5 automatic failovers in the last 600 s (limit 5); resume it in the console once the cause is fixed";
  await prisma.$transaction([
    prisma.cluster.update({ where: { id }, data: { paused: true } }),
    prisma.auditEvent.create({ data: { actor: `agent:${CLUSTER}/node-a`, action: "failover.limited", clusterId: id, clusterName: CLUSTER, reason } }),
  ]);
  await expect(page.getByTestId("paused-reason")).toHaveText(`The cluster paused itself: ${reason}`);
  await saveScreenshot(page, "flap-damping-paused");
  await page.getByRole("button", { name: "Resume automatic failover" }).click();
  await expect(page.getByTestId("paused-reason")).toHaveCount(0);
  expect((await stored()).paused).toBe(false);
});
