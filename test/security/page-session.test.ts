// Every page that reads data checks the session itself: the (console) layout is not enough, since a
// client-side navigation request (RSC) names the layouts the browser already has, and Next then
// renders only the page below them, without running the layout's check.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";

/** The router state of a browser showing some other page under the (console) layout (which it shares with every page). */
const OTHER_PAGE_TREE = ["", { children: ["(console)", { children: ["elsewhere", { children: ["__PAGE__", {}] }] }] }];

/** Every page under the (console) layout, read from the app folder: a new page is checked too. */
const CONSOLE_DIR = path.resolve(import.meta.dirname, "../../app/(console)");
const PAGES = readdirSync(CONSOLE_DIR, { recursive: true, encoding: "utf8" })
  .filter((f) => path.basename(f) === "page.tsx")
  .map((f) => "/" + path.dirname(f).split(path.sep).join("/").replace(/^\.$/, "").replace("[name]", "alpha"));
/** The client components those pages render (their names appear in a rendered page's payload). */
const PAGE_COMPONENTS = ["ClusterOverviewList", "AuditView", "ClusterView", "ApiTokens", "UsersAdmin"];

describe("pages check the session themselves", () => {
  let bed: ConsoleTestbed;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
  });
  afterAll(async () => bed?.stop());

  // Next wants the cache-busting `_rsc` parameter that matches these headers: the first answer redirects to it.
  async function rscRequest(path: string, cookie?: string) {
    const headers = { rsc: "1", "next-router-state-tree": encodeURIComponent(JSON.stringify(OTHER_PAGE_TREE)), ...(cookie && { cookie }) };
    const first = await fetch(`${bed.server.url}${path}`, { redirect: "manual", headers });
    const busted = first.status === 307 && first.headers.get("location")?.includes("_rsc=") ? first.headers.get("location")! : null;
    return busted ? fetch(new URL(busted, bed.server.url), { redirect: "manual", headers }) : first;
  }

  it("a signed-in navigation request renders the page alone (the crafted request is a real one)", async () => {
    const cookie = await bed.signInAs("admin@example.com");
    const res = await rscRequest("/clusters/alpha", cookie);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('"k":"alpha"');
    expect(body).toContain("ClusterView");
  });

  it("without a session, a navigation request renders no page (nor tells which clusters exist): it is sent to sign in", async () => {
    expect(PAGES).toEqual(expect.arrayContaining(["/", "/audit", "/clusters/alpha", "/tokens", "/users"]));
    for (const path of [...PAGES, "/clusters/no-such-cluster"]) {
      const res = await rscRequest(path);
      const body = await res.text();
      expect(body, path).toContain("NEXT_REDIRECT;replace;/signin;");
      for (const component of PAGE_COMPONENTS) expect(body, path).not.toContain(component);
    }
  });
});
