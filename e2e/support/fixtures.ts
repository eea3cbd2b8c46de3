import { test as base, expect, type Page } from "@playwright/test";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { E2E_ADMIN } from "./constants";

type Fixtures = { signedIn: Page };
type WorkerFixtures = { prisma: PrismaClient; databaseUrl: string };

/** Signs in through next-auth's endpoints (csrf, then credentials callback); the cookie lands in the page's context. */
export async function signInViaApi(page: Page, { email, password } = E2E_ADMIN, baseUrl = "") {
  const csrf = await page.request.get(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await page.request.post(`${baseUrl}/api/auth/callback/credentials`, { form: { csrfToken, email, password, json: "true" } });
  expect(res.ok()).toBe(true);
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  baseURL: async ({}, use) => use(process.env.E2E_BASE_URL),
  databaseUrl: [async ({}, use) => use(process.env.E2E_DATABASE_URL!), { scope: "worker" }],
  prisma: [
    async ({ databaseUrl }, use) => {
      const prisma = createPrismaClient({ connectionString: databaseUrl, maxConnections: 3 });
      await use(prisma);
      await prisma.$disconnect();
    },
    { scope: "worker" },
  ],
  signedIn: async ({ page }, use) => {
    await signInViaApi(page);
    await use(page);
  },
});

export { expect };

/** Screenshots are artifacts: test-results/screenshots/<name>.png. */
export async function saveScreenshot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}
