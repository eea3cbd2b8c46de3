import { expect, test } from "../support/fixtures";

test("a token created with an expiry shows it, and is refused once it has passed", async ({ signedIn: page, prisma }) => {
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("nightly-expiring");
  await page.getByLabel("Expires").selectOption({ label: "in 30 days" });
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByLabel("New API token").inputValue();
  const row = page.locator('tr[data-token="nightly-expiring"]');
  const token = await prisma.apiToken.findFirstOrThrow({ where: { name: "nightly-expiring" } });
  const days = (token.expiresAt!.getTime() - token.createdAt.getTime()) / 86_400_000;
  expect(Math.round(days)).toBe(30);
  await expect(row.locator("td").nth(4)).toHaveText(/\d/); // the Expires column shows a date, not "never"

  const bearer = { authorization: `Bearer ${secret}` };
  expect((await page.request.get("/api/v1/clusters", { headers: bearer })).status()).toBe(200);
  await prisma.$executeRaw`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = ${token.id}::uuid`;
  expect((await page.request.get("/api/v1/clusters", { headers: bearer })).status()).toBe(401);
});
