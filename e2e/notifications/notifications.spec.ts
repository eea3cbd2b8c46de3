import { verifyWebhookSignature } from "../../lib/notify/signature";
import { startWebhookReceiver } from "../../test/notify/receivers";
import { expect, saveScreenshot, test } from "../support/fixtures";

test("an admin creates a webhook channel, sees its secret once, sends a test and reads the delivery log", async ({ signedIn: page }) => {
  const receiver = await startWebhookReceiver();
  try {
    await page.goto("/");
    await page.getByRole("link", { name: "Notifications" }).click();
    await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();

    // Bad input: refused with the field named, nothing created.
    await page.getByLabel("Channel name").fill("e2e-hook");
    await page.getByLabel("URL").fill("ftp://example.com/hook");
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "url:" })).toHaveText("url: must be an http:// or https:// URL");
    await expect(page.locator("[data-channel]")).toHaveCount(0);

    await page.getByLabel("URL").fill(receiver.url);
    await page.getByRole("button", { name: "Create channel" }).click();
    const secretField = page.getByLabel("Signing secret of e2e-hook");
    await expect(secretField).toHaveValue(/^whsec_/);
    const secret = await secretField.inputValue();
    const channel = page.getByRole("region", { name: "Channel e2e-hook" });
    await expect(channel).toContainText(receiver.url);
    await page.getByRole("button", { name: "Done" }).click();
    await expect(secretField).toHaveCount(0);
    await page.reload();
    await expect(channel).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    await channel.getByRole("button", { name: "Send test" }).click();
    const log = channel.getByRole("table", { name: "Deliveries of e2e-hook" });
    const row = log.locator("tbody tr").first();
    await expect(row).toContainText("test");
    await expect(row).toContainText("delivered");
    await expect(row).toContainText("200");
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    const signature = { body: req.body, signature: req.headers["x-failover-signature"] as string, timestamp: req.headers["x-failover-timestamp"] as string };
    expect(verifyWebhookSignature({ secret, ...signature })).toBe(true);
    await saveScreenshot(page, "notifications");

    await row.getByRole("button", { name: /^Redeliver test/ }).click();
    await expect.poll(() => receiver.received.length).toBe(2);
    await expect(row).toContainText("delivered");
  } finally {
    await receiver.close();
  }
});
