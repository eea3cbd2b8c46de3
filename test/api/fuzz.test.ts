// Property-based fuzzing of API inputs (fast-check): whatever the body or query string, the API
// never answers 5xx, and a rejected request leaves the database exactly as it was.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, databaseState, type ApiRequest } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import type { NextServer } from "../support/next-server";
import type { TestDatabase } from "../support/test-database";

const RUNS = 40;

// Values of every JSON type, plus the field names each endpoint knows, so the fuzzer reaches past
// "unknown field" into type and range checks.
const jsonValue = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, 1e308, "", "ADMIN", "SWITCHOVER", "node-b", "x".repeat(600)),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const bodyFor = (keys: string[]) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...keys), jsonValue, { maxKeys: keys.length }),
    fc.dictionary(fc.string({ maxLength: 12 }), jsonValue, { maxKeys: 3 }),
    jsonValue,
  );

describe("API fuzzing", () => {
  let bed: ConsoleTestbed;
  let t: TestDatabase;
  let server: NextServer;
  let admin: string;
  let userId: string;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    ({ t, server } = bed);
    admin = await bed.signInAs("admin@example.com");
    userId = (await t.prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } })).id;
  });
  afterAll(async () => bed?.stop());

  const endpoints: { name: string; method: "POST" | "PATCH"; path: () => string; keys: string[] }[] = [
    { name: "POST command", method: "POST", path: () => "/api/v1/clusters/alpha/commands", keys: ["kind", "targetNode", "reason", "timeoutMs"] },
    {
      name: "PATCH cluster",
      method: "PATCH",
      path: () => "/api/v1/clusters/alpha",
      keys: ["paused", "failoverMode", "heartbeatMs", "leaseMs", "demoteTimeoutMs", "reason"],
    },
    { name: "PATCH node", method: "PATCH", path: () => "/api/v1/clusters/alpha/nodes/node-b", keys: ["maintenance", "priority", "reason"] },
    { name: "POST user", method: "POST", path: () => "/api/v1/users", keys: ["email", "name", "role", "password"] },
    { name: "PATCH user", method: "PATCH", path: () => `/api/v1/users/${userId}`, keys: ["role", "disabled", "name", "password", "resetPassword"] },
    { name: "POST token", method: "POST", path: () => "/api/v1/tokens", keys: ["name", "role"] },
  ];

  for (const endpoint of endpoints) {
    it(`${endpoint.name}: no 5xx, and rejected bodies change nothing (${RUNS} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(bodyFor(endpoint.keys), async (body) => {
          const before = await databaseState(t.prisma);
          const request: ApiRequest = { method: endpoint.method, path: endpoint.path(), body };
          const res = await callApi(server.url, admin, request);
          expect(res.status, `${JSON.stringify(body)} -> ${res.text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) expect(await databaseState(t.prisma)).toBe(before);
          // Whatever got through must be undone by a later run or is harmless; keep one open command at most.
          await t.prisma.command.updateMany({ where: { status: { in: ["PENDING", "RUNNING"] } }, data: { status: "CANCELLED" } });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it(`audit query strings: no 5xx (${RUNS} runs)`, async () => {
    const param = fc.constantFrom("cluster", "node", "actor", "action", "from", "to", "limit", "cursor", "page", "x");
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          param,
          fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String), fc.constantFrom("-1", "1e9", "2026-13-45", "NaN", "'; DROP TABLE x;--")),
        ),
        async (query) => {
          const res = await callApi(server.url, admin, { path: `/api/v1/audit?${new URLSearchParams(query)}` });
          expect(res.status, `${JSON.stringify(query)} -> ${res.text.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
