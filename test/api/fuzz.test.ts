// Property-based fuzzing of every API route (fast-check): whatever the path parameters, query
// string or body, the API never answers 5xx, and a refused request leaves the database exactly as
// it was. The suite sends a few hundred requests; `npm run fuzz` sends 10,000 or more
// (FUZZ_REQUESTS), spread evenly over the routes.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, databaseState, type ApiRequest } from "../support/api-client";
import { appRoutes } from "../support/app-routes";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import type { NextServer } from "../support/next-server";
import type { TestDatabase } from "../support/test-database";

const ROUTES = appRoutes().filter((r) => !r.path.startsWith("/api/auth/")); // next-auth's own endpoints
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 400);
const RUNS = Math.max(1, Math.ceil(REQUESTS / ROUTES.length));
const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";

// Values of every JSON type, plus the field names each route knows, so the fuzzer reaches past
// "unknown field" into type and range checks.
const jsonValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 30, 1.5, 2 ** 53, 1e308, "", "ADMIN", "VIEWER", "SWITCHOVER", "node-b", "x".repeat(600)),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const objectWith = (keys: string[]) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...keys, "x"), jsonValue, { maxKeys: keys.length + 1 }),
    fc.dictionary(fc.string({ maxLength: 12 }), jsonValue, { maxKeys: 3 }),
    jsonValue,
  );

/** The fields each route's body or query string knows (the rest get random names). */
const KNOWN_FIELDS: Record<string, string[]> = {
  "POST /api/v1/clusters/[name]/commands": ["kind", "targetNode", "reason", "timeoutMs", "force", "service"],
  "PATCH /api/v1/clusters/[name]": [
    "paused",
    "failoverMode",
    "heartbeatMs",
    "leaseMs",
    "demoteTimeoutMs",
    "checkHoldOffMs",
    "failoverLimit",
    "failoverWindowMs",
    "reason",
  ],
  "PATCH /api/v1/clusters/[name]/nodes/[node]": ["maintenance", "priority", "reason"],
  "DELETE /api/v1/clusters/[name]/nodes/[node]": ["reason"],
  "POST /api/v1/clusters/[name]/commands/[id]/cancel": ["reason"],
  "POST /api/v1/clusters/[name]/rebalance": ["reason"],
  "POST /api/v1/users": ["email", "name", "role", "password"],
  "PATCH /api/v1/users/[id]": ["role", "disabled", "name", "password", "resetPassword"],
  "POST /api/v1/tokens": ["name", "role", "expiresInDays"],
  "GET /api/v1/audit": ["cluster", "service", "node", "actor", "action", "from", "to", "limit", "before"],
  "GET /api/v1/audit.csv": ["cluster", "service", "node", "actor", "action", "from", "to", "limit", "before"],
  "GET /api/v1/clusters/[name]/timeline": ["service", "from", "to"],
  "GET /api/v1/clusters/[name]/commands": ["service", "limit"],
};

const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.constantFrom("-1", "1e9", "2026-13-45", "2026-12-01T00:00:00Z", "NaN", "'; DROP TABLE x;--", "alpha", "user.signed_in"),
);

describe("API fuzzing", () => {
  let bed: ConsoleTestbed;
  let t: TestDatabase;
  let server: NextServer;
  let admin: string;
  /** Valid values for each path parameter; the fuzzer mixes them with arbitrary strings. */
  let params: Record<string, string[]>;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    ({ t, server } = bed);
    admin = await bed.signInAs("admin@example.com");
    // Only the viewer's account is a valid user target: the admin's own password or role changing
    // would end the session the fuzzer runs with.
    const viewer = await t.prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } });
    params = { name: ["alpha"], node: ["node-a", "node-b"], id: [viewer.id, UNKNOWN_UUID] };
  });
  afterAll(async () => bed?.stop());

  it(`covers every route the app serves (${ROUTES.length} routes, ${RUNS} requests each)`, () => {
    expect(ROUTES.length).toBeGreaterThan(15);
  });

  for (const route of ROUTES) {
    const key = `${route.method} ${route.path}`;
    it(`${key}: no 5xx, and refused requests change nothing (${RUNS} runs)`, { timeout: 60_000 + RUNS * 1_000 }, async () => {
      const names = [...route.path.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
      const fields = KNOWN_FIELDS[key] ?? [];
      const pathValues = fc.tuple(...names.map((n) => fc.oneof(fc.constantFrom(...(params[n] ?? ["x"])), fc.string({ minLength: 1, maxLength: 70 }))));
      const query = fc.dictionary(fields.length ? fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })) : fc.string({ maxLength: 8 }), queryValue, {
        maxKeys: 4,
      });
      const body =
        route.method === "GET"
          ? fc.constant(null)
          : route.method === "DELETE"
            ? fc.option(objectWith(fields.length ? fields : ["reason"]))
            : objectWith(fields.length ? fields : ["x"]);
      await fc.assert(
        fc.asyncProperty(pathValues, query, body, async (values, q, b) => {
          let i = 0;
          const path = route.path.replace(/\[(\w+)\]/g, () => encodeURIComponent(values[i++]));
          const qs = new URLSearchParams(q).toString();
          const request: ApiRequest = { method: route.method as ApiRequest["method"], path: qs ? `${path}?${qs}` : path, ...(b !== null && { body: b }) };
          const before = await databaseState(t.prisma);
          const res = await callApi(server.url, admin, request);
          expect(res.status, `${request.method} ${request.path} ${JSON.stringify(b)} -> ${res.text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) expect(await databaseState(t.prisma), `${request.method} ${request.path} ${JSON.stringify(b)} -> ${res.status}`).toBe(before);
          // Whatever got through must be undone by a later run or is harmless; keep one open command at most.
          await t.prisma.command.updateMany({ where: { status: { in: ["PENDING", "RUNNING"] } }, data: { status: "CANCELLED" } });
        }),
        { numRuns: RUNS },
      );
    });
  }
});
