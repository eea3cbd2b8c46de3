import { expect, saveScreenshot, test } from "../support/fixtures";

// 60 clusters written directly (no agents): the list shows one page of 50, problems first, pages
// on, and searches by name on the server. mc-57..mc-59 have no node (no active); the rest one
// healthy active node each (slow timings keep the seeded heartbeats healthy for two minutes).
const PREFIX = "mc-";
const N = 60;

test.beforeAll(async ({ prisma }) => {
  await prisma.cluster.deleteMany({ where: { name: { startsWith: PREFIX } } });
  await prisma.$executeRaw`
    INSERT INTO "Cluster" (id, name, "heartbeatMs", "leaseMs", epoch, "updatedAt")
    SELECT gen_random_uuid(), ${PREFIX} || lpad(i::text, 2, '0'), 60000, 180000, 1, now() FROM generate_series(0, ${N - 1}::int) i`;
  await prisma.$executeRaw`
    INSERT INTO "Node" (id, "clusterId", name, role, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch")
    SELECT gen_random_uuid(), c.id, 'node-a', 'ACTIVE', now(), now() + interval '1 hour', 1
    FROM "Cluster" c WHERE c.name LIKE ${`${PREFIX}%`} AND c.name < ${`${PREFIX}57`}`;
});

test.afterAll(async ({ prisma }) => {
  await prisma.cluster.deleteMany({ where: { name: { startsWith: PREFIX } } });
});

const cards = (page: import("@playwright/test").Page) => page.locator("ul > li h2");

test("60 clusters: one page of 50, those without an active first; Next shows the rest", async ({ signedIn: page, prisma }) => {
  const total = await prisma.cluster.findMany({ distinct: ["name"], select: { name: true } }).then((c) => c.length);
  await page.goto("/");
  // Other specs' clusters share the database: count those without an active from the summary.
  await expect(page.getByTestId("cluster-summary")).toContainText(new RegExp(`^${total} clusters: \\d+ without an active node`));
  const noActive = Number((await page.getByTestId("cluster-summary").textContent())!.match(/: (\d+) without/)![1]);
  await expect(cards(page)).toHaveCount(50);
  const first = (await cards(page).allTextContents()).slice(0, noActive);
  expect(first).toEqual(expect.arrayContaining(["mc-57", "mc-58", "mc-59"]));
  await expect(page.getByTestId("cluster-page")).toHaveText(`1–50 of ${total}`);
  await expect(page.getByRole("button", { name: "Previous" })).toBeDisabled();

  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("cluster-page")).toHaveText(`51–${total} of ${total}`);
  await expect(cards(page)).toHaveCount(total - 50);
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();
  await saveScreenshot(page, "many-clusters-page-2");
});

test("the filter asks the server: part of a name, any case; the count and page follow", async ({ signedIn: page }) => {
  await page.goto("/");
  await page.getByRole("searchbox", { name: "Filter clusters by name" }).fill("MC-5");
  await expect(cards(page)).toHaveText(["mc-57", "mc-58", "mc-59", "mc-50", "mc-51", "mc-52", "mc-53", "mc-54", "mc-55", "mc-56"]);
  await expect(page.getByTestId("cluster-page")).toHaveCount(0); // one page: no pager
  await page.getByRole("searchbox", { name: "Filter clusters by name" }).fill("no-such-cluster");
  await expect(page.getByText("No cluster name contains “no-such-cluster”.")).toBeVisible();
  await expect(cards(page)).toHaveCount(0);
});

test("on the second page when clusters are removed: back to the last page there is", async ({ signedIn: page, prisma }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("cluster-page")).toContainText("51–");
  await expect(page.getByRole("heading", { name: "Clusters" })).toBeFocused();
  await prisma.cluster.deleteMany({ where: { name: { gte: `${PREFIX}00`, lte: `${PREFIX}20` } } });
  const total = await prisma.cluster.findMany({ distinct: ["name"], select: { name: true } }).then((c) => c.length);
  expect(total).toBeLessThanOrEqual(50);
  await expect(cards(page)).toHaveCount(total); // one page again, the pager gone
  await expect(page.getByTestId("cluster-page")).toHaveCount(0);
});
