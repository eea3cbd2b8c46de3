import { readFile } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestCommand } from "../../lib/cluster/request-command";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const asRole = (url: string, role: string) => {
  const u = new URL(url);
  u.username = role;
  u.password = "secret";
  return u.toString();
};

async function attempt(url: string, sql: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end();
  }
}

describe("least-privilege database roles (prisma/roles.sql)", () => {
  let t: TestDatabase;
  const agents: AgentProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    for (const role of ["failover_console", "failover_agent"]) {
      await admin.query(`DO $$ BEGIN CREATE ROLE ${role} LOGIN PASSWORD 'secret'; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    }
    await admin.query(await readFile("prisma/roles.sql", "utf8"));
    await admin.end();
  });
  afterAll(async () => {
    await stopAll(agents);
    await t.drop();
  });

  it("an agent runs its whole protocol under the agent role: registers, is elected, executes a switchover, audits", async () => {
    const { id: clusterId } = await createCluster(t.prisma, "roles");
    const url = asRole(t.url, "failover_agent");
    agents.push(spawnAgent({ url, cluster: "roles", node: "r1", priority: 100 }), spawnAgent({ url, cluster: "roles", node: "r2", priority: 90 }));
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1 && (await t.prisma.node.count({ where: { clusterId } })) === 2, {
      what: "cluster up",
    });
    const [active] = await activeNodes(t.prisma, clusterId);
    const target = await t.prisma.node.findFirstOrThrow({ where: { clusterId, NOT: { name: active.name } } });
    const cmd = await requestCommand({ db: t.prisma, clusterId, kind: "SWITCHOVER", targetNodeId: target.id, requestedBy: "user:ops@example.com" });
    await waitFor(async () => (await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).status === "SUCCEEDED", { what: "switchover" });
    // requested, started, demoted, promoted
    expect(await t.prisma.auditEvent.count({ where: { commandId: cmd.id } })).toBe(4);
    expect(agents.flatMap((a) => a.lines()).filter((l) => /permission denied/.test(JSON.stringify(l)))).toEqual([]);
  });

  it.each([
    ["failover_agent", `SELECT * FROM "User"`, /permission denied for table User/],
    ["failover_agent", `SELECT reason FROM "AuditEvent"`, /permission denied for table AuditEvent/],
    ["failover_agent", `DELETE FROM "Node"`, /permission denied for table Node/],
    ["failover_agent", `UPDATE "Cluster" SET "failoverMode" = 'MANUAL'`, /permission denied for table Cluster/],
    [
      "failover_agent",
      `INSERT INTO "Command" (id, "clusterId", kind, "targetNodeId", "requestedBy", deadline) VALUES (gen_random_uuid(), gen_random_uuid(), 'DEMOTE', gen_random_uuid(), 'x', now())`,
      /permission denied for table Command/,
    ],
    ["failover_console", `UPDATE "AuditEvent" SET reason = 'forged'`, /permission denied for table AuditEvent/],
    ["failover_console", `DELETE FROM "AuditEvent"`, /permission denied for table AuditEvent/],
    ["failover_console", `TRUNCATE "AuditEvent"`, /permission denied for table AuditEvent/],
    ["failover_console", `ALTER TABLE "AuditEvent" DISABLE TRIGGER ALL`, /must be owner of table AuditEvent/],
    ["failover_console", `DROP TRIGGER "AuditEvent_no_update_delete" ON "AuditEvent"`, /must be owner of (table|relation) AuditEvent/],
  ])("%s cannot run: %s", async (role, sql, error) => {
    expect(await attempt(asRole(t.url, role), sql)).toMatch(error);
  });

  it("audit rows cannot be changed even by the schema owner that runs the application: the trigger refuses", async () => {
    expect(await attempt(t.url, `UPDATE "AuditEvent" SET reason = 'forged'`)).toMatch(/AuditEvent is append-only: UPDATE is not allowed/);
    expect(await attempt(t.url, `DELETE FROM "AuditEvent"`)).toMatch(/AuditEvent is append-only: DELETE is not allowed/);
  });
});
