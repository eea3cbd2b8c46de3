import { expect, saveScreenshot, signInViaApi, test } from "../support/fixtures";

test("an admin adds an operator, whose generated password works once shown", async ({ signedIn: page, browser }) => {
  await page.goto("/users");
  await page.getByLabel("Email").fill("oncall@example.com");
  await page.getByLabel("Name").fill("On-call");
  await page.getByRole("combobox", { name: "Role", exact: true }).selectOption("OPERATOR");
  await page.getByRole("button", { name: "Add user" }).click();
  const secret = page.getByLabel("Password for oncall@example.com");
  await expect(secret).toHaveValue(/.{16,}/);
  const password = await secret.inputValue();
  await expect(page.locator('tr[data-user="oncall@example.com"]')).toContainText("On-call");
  await saveScreenshot(page, "users");

  const other = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  const oncall = await other.newPage();
  await signInViaApi(oncall, { email: "oncall@example.com", password });
  await oncall.goto("/");
  await expect(oncall.getByText("oncall@example.com")).toBeVisible();
  await expect(oncall.getByRole("link", { name: "Users" })).toHaveCount(0);
  expect((await oncall.goto("/users"))?.status()).toBe(404);

  // Disabling the account ends that session at once.
  await page.getByRole("switch", { name: "Account of oncall@example.com enabled" }).click();
  await expect(page.getByRole("switch", { name: "Account of oncall@example.com enabled" })).toHaveAttribute("aria-checked", "false");
  expect((await oncall.request.get("/api/v1/clusters")).status()).toBe(401);
  await other.close();

  // A password reset asks first, then shows the new password once.
  await page.getByRole("button", { name: "Done" }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Reset password of oncall@example.com" }).click();
  await expect(page.getByLabel("New password for oncall@example.com")).toHaveValue(/.{16,}/);
});

test("an API token works as a bearer token until revoked", async ({ signedIn: page }) => {
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("ci-readonly");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByLabel("New API token").inputValue();
  expect(secret).toMatch(/^fct_/);
  await saveScreenshot(page, "tokens");
  const call = () => page.request.get("/api/v1/clusters", { headers: { authorization: `Bearer ${secret}` } });
  expect((await call()).status()).toBe(200);
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("button", { name: "Revoke ci-readonly" }).click();
  await expect(page.locator('tr[data-token="ci-readonly"]')).toContainText("revoked");
  expect((await call()).status()).toBe(401);
});
