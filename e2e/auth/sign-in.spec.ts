import { E2E_ADMIN } from "../support/constants";
import { expect, saveScreenshot, test } from "../support/fixtures";

test("signed out, every page sends you to sign in", async ({ page }) => {
  for (const path of ["/", "/audit", "/clusters/anything"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/signin/);
  }
  const api = await page.request.get("/api/v1/clusters");
  expect(api.status()).toBe(401);
});

test("sign in with the form, using only the keyboard", async ({ page }) => {
  await page.goto("/signin");
  await expect(page.getByRole("heading", { name: "Failover Console" })).toBeVisible();
  await saveScreenshot(page, "sign-in");
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByLabel("Password").press("Enter");
  // bcrypt (cost 12) on a busy 2-core machine can take seconds.
  await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible({ timeout: 15_000 });

  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText(E2E_ADMIN.email)).toBeVisible();
});

test("an unknown cluster is a 404 page", async ({ signedIn: page }) => {
  const res = await page.goto("/clusters/no-such-cluster");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to clusters" }).click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
});
