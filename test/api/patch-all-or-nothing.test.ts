// A PATCH that changes several things is one transaction: all of it or none of it, and it never
// answers 200 without the object it changed. Failures are injected with triggers on "Node".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";

describe("PATCH of a node or a cluster is all or nothing", () => {
  let bed: ConsoleTestbed;
  let admin: string;
  const patch = (path: string, body: unknown) => callApi(bed.server.url, admin, { method: "PATCH", path, body });

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await bed.signInAs("admin@example.com");
    // Priority 777 cannot be written; priority 778 makes the node vanish right after the write
    // (as a concurrent removal would) before the handler reads it back.
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_refuse_777() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE TRIGGER test_refuse_777 BEFORE UPDATE ON "Node" FOR EACH ROW WHEN (NEW.priority = 777) EXECUTE FUNCTION test_refuse_777()`);
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_vanish_778() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM "Node" WHERE id = NEW.id; RETURN NULL; END $$`);
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE TRIGGER test_vanish_778 AFTER UPDATE ON "Node" FOR EACH ROW WHEN (NEW.priority = 778) EXECUTE FUNCTION test_vanish_778()`);
  });
  afterAll(async () => bed?.stop());

  it("node: maintenance is not applied when the priority change in the same request fails", async () => {
    const before = await databaseState(bed.t.prisma);
    const res = await patch("/api/v1/clusters/alpha/nodes/node-b", { maintenance: true, priority: 777 });
    expect(res.status).toBe(500);
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });

  it("node: one that vanishes before it is read back is a 404, and nothing is applied", async () => {
    const before = await databaseState(bed.t.prisma);
    const res = await patch("/api/v1/clusters/alpha/nodes/node-b", { maintenance: true, priority: 778 });
    expect(res).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND", message: "node node-b not found in cluster alpha" } } });
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });

  it("node: both changes applied together, each audited", async () => {
    const res = await patch("/api/v1/clusters/alpha/nodes/node-b", { maintenance: true, priority: 50, reason: "disk swap" });
    expect(res).toMatchObject({ status: 200, body: { name: "node-b", maintenance: true, priority: 50 } });
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { nodeName: "node-b" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.reason])).toEqual([
      ["node.maintenance_on", "disk swap"],
      ["node.priority_changed", "disk swap"],
    ]);
  });

  it("cluster: the settings change is not applied when the pause in the same request fails", async () => {
    const before = await databaseState(bed.t.prisma);
    // Settings are written first, the pause second: the pause's write fails.
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_refuse_pause() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await bed.t.prisma.$executeRawUnsafe(`
      CREATE TRIGGER test_refuse_pause BEFORE UPDATE ON "Cluster" FOR EACH ROW WHEN (NEW.paused AND NOT OLD.paused) EXECUTE FUNCTION test_refuse_pause()`);
    try {
      const res = await patch("/api/v1/clusters/alpha", { failoverMode: "MANUAL", paused: true });
      expect(res.status).toBe(500);
      expect(await databaseState(bed.t.prisma)).toBe(before);
    } finally {
      await bed.t.prisma.$executeRawUnsafe(`DROP TRIGGER test_refuse_pause ON "Cluster"`);
    }
  });
});
