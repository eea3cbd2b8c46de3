// Every API route x every kind of caller, asserting the status each gets. The route list comes
// from the app itself (test/support/app-routes.ts): a new route without a rule here fails.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/auth/create-api-token";
import { revokeApiToken } from "../../lib/auth/revoke-api-token";
import { callApi, databaseState } from "../support/api-client";
import { appRoutes } from "../support/app-routes";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import type { NextServer } from "../support/next-server";
import type { TestDatabase } from "../support/test-database";

/**
 * SESSION: any signed-in user, never an API token (token management). ADMIN_SESSION: an ADMIN's
 * signed-in session, never a token, not even an ADMIN's (creating and changing users; tested in
 * test/security/sessions-and-tokens.test.ts); the callers here hold no ADMIN token.
 */
type Rule = "PUBLIC" | "VIEWER" | "OPERATOR" | "ADMIN" | "SESSION" | "ADMIN_SESSION";

/** The minimum role of every route; PUBLIC routes are next-auth's own sign-in endpoints. */
const RULES: Record<string, Rule> = {
  "GET /api/auth/[...nextauth]": "PUBLIC",
  "POST /api/auth/[...nextauth]": "PUBLIC",
  "GET /api/metrics": "VIEWER",
  "GET /api/v1/audit": "VIEWER",
  "GET /api/v1/audit.csv": "VIEWER",
  "GET /api/v1/clusters": "VIEWER",
  "GET /api/v1/clusters/[name]": "VIEWER",
  "PATCH /api/v1/clusters/[name]": "OPERATOR", // pausing; timings and mode need ADMIN (see bad-input tests)
  "GET /api/v1/clusters/[name]/commands": "VIEWER",
  "POST /api/v1/clusters/[name]/commands": "OPERATOR",
  "GET /api/v1/clusters/[name]/commands/[id]": "VIEWER",
  "POST /api/v1/clusters/[name]/commands/[id]/cancel": "OPERATOR",
  "PATCH /api/v1/clusters/[name]/nodes/[node]": "OPERATOR",
  "DELETE /api/v1/clusters/[name]/nodes/[node]": "OPERATOR",
  "POST /api/v1/clusters/[name]/rebalance": "OPERATOR",
  "GET /api/v1/clusters/[name]/rebalance": "VIEWER",
  "GET /api/v1/clusters/[name]/timeline": "VIEWER",
  "GET /api/v1/clusters/[name]/services": "VIEWER",
  "GET /api/v1/me": "VIEWER",
  "GET /api/v1/notifications": "ADMIN",
  "POST /api/v1/notifications": "ADMIN",
  "GET /api/v1/notifications/[id]": "ADMIN",
  "PATCH /api/v1/notifications/[id]": "ADMIN",
  "DELETE /api/v1/notifications/[id]": "ADMIN",
  "GET /api/v1/notifications/[id]/deliveries": "ADMIN",
  "POST /api/v1/notifications/[id]/deliveries/[deliveryId]/redeliver": "ADMIN",
  "POST /api/v1/notifications/[id]/test": "ADMIN",
  "GET /api/v1/openapi.json": "VIEWER",
  "GET /api/v1/tokens": "SESSION",
  "POST /api/v1/tokens": "SESSION",
  "DELETE /api/v1/tokens/[id]": "SESSION",
  "GET /api/v1/users": "ADMIN",
  "POST /api/v1/users": "ADMIN_SESSION",
  "PATCH /api/v1/users/[id]": "ADMIN_SESSION",
};

const RANK: Record<Rule, number> = { PUBLIC: -1, VIEWER: 0, OPERATOR: 1, ADMIN: 2, SESSION: 0, ADMIN_SESSION: 2 };
const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";
const concrete = (p: string) =>
  p.replace("[...nextauth]", "session").replace("[name]", "alpha").replace("[node]", "node-b").replace("[id]", UNKNOWN_UUID).replace("[deliveryId]", "1");

type Caller = { name: string; rank: number | null; token?: boolean; headers(): Record<string, string> };

describe("access matrix: every API route x every kind of caller", () => {
  let bed: ConsoleTestbed;
  let t: TestDatabase;
  let server: NextServer;
  const callers: Caller[] = [];

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    ({ t, server } = bed);
    const admin = await t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    const revoked = await createApiToken({ prisma: t.prisma, user: admin, name: "revoked", role: "ADMIN" });
    await revokeApiToken({ prisma: t.prisma, tokenId: revoked.id, actor: { ...admin, isAdmin: true } });
    const operatorToken = await createApiToken({ prisma: t.prisma, user: admin, name: "automation", role: "OPERATOR" });
    const cookies = await Promise.all(["viewer", "operator", "admin"].map((r) => bed.signInAs(`${r}@example.com`)));
    const session = (cookie: string) => () => ({ cookie, origin: server.url });
    callers.push(
      { name: "signed out", rank: null, headers: () => ({}) },
      { name: "VIEWER", rank: 0, headers: session(cookies[0]) },
      { name: "OPERATOR", rank: 1, headers: session(cookies[1]) },
      { name: "ADMIN", rank: 2, headers: session(cookies[2]) },
      { name: "OPERATOR token", rank: 1, token: true, headers: () => ({ authorization: `Bearer ${operatorToken.secret}` }) },
      { name: "revoked token", rank: null, headers: () => ({ authorization: `Bearer ${revoked.secret}` }) },
      { name: "bad token", rank: null, headers: () => ({ authorization: "Bearer fct_not-a-real-token" }) },
    );
  });
  afterAll(async () => bed?.stop());

  it("has a rule for every route the app serves, and no rule for a route that is gone", () => {
    const served = appRoutes().map((r) => `${r.method} ${r.path}`);
    expect(served.filter((r) => !(r in RULES))).toEqual([]);
    expect(Object.keys(RULES).filter((r) => !served.includes(r))).toEqual([]);
  });

  it("answers every caller on every route as its rule says, and refused calls change nothing", async () => {
    const results: string[] = [];
    const expected: string[] = [];
    for (const route of appRoutes()) {
      const rule = RULES[`${route.method} ${route.path}`];
      if (rule === "PUBLIC") continue;
      for (const caller of callers) {
        const before = await databaseState(t.prisma);
        // Mutations carry an empty body: an allowed caller gets a validation error, nothing changes.
        const res = await callApi(server.url, null, {
          method: route.method as "GET",
          path: concrete(route.path),
          ...(route.method === "GET" ? {} : { body: {} }),
          headers: caller.headers(),
        });
        const verdict = res.status === 401 ? "401" : res.status === 403 ? "403" : res.status >= 500 ? `5xx(${res.status})` : "allowed";
        const want = caller.rank === null ? "401" : caller.rank < RANK[rule] || (rule === "SESSION" && caller.token) ? "403" : "allowed";
        results.push(`${route.method} ${route.path} as ${caller.name}: ${verdict}`);
        expected.push(`${route.method} ${route.path} as ${caller.name}: ${want}`);
        if (verdict !== "allowed") expect(await databaseState(t.prisma)).toBe(before);
      }
    }
    expect(results).toEqual(expected);
  });
});
