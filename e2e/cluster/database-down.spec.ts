import { startNextServer, type NextServer } from "../../test/support/next-server";
import { expect, saveScreenshot, signInViaApi, test } from "../support/fixtures";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

// A console of its own whose database connection runs through a proxy the test can cut.
let proxy: TcpProxy;
let server: NextServer;

test.beforeAll(async ({ databaseUrl }) => {
  const url = new URL(databaseUrl);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(proxy.port);
  server = await startNextServer({ databaseUrl: url.toString() });
});

test.afterAll(async () => {
  await server?.stop();
  await proxy?.close();
});

test("database down: a banner appears, and goes away by itself when it is back", async ({ page }) => {
  await signInViaApi(page, undefined, server.url);
  await page.goto(`${server.url}/`);
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
  await expect(page.getByTestId("live-indicator")).toContainText("Live");

  await proxy.cut();
  const banner = page.getByRole("alert").filter({ hasText: "Database unreachable" });
  await expect(banner).toBeVisible({ timeout: 5_000 });
  await expect(page.getByTestId("live-indicator")).toContainText("Stale");
  await saveScreenshot(page, "database-down");

  await proxy.restore();
  await expect(banner).toBeHidden({ timeout: 10_000 });
  await expect(page.getByTestId("live-indicator")).toContainText("Live");
});
