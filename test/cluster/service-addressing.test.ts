// Addressing a cluster's services by name, against a real PostgreSQL without agents: a service
// no node serves (a mistyped --service, since stopped) must not make the cluster ambiguous or
// look down.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getClusterOverview } from "../../lib/cluster/get-cluster-overview";
import { resolveService } from "../../lib/cluster/resolve-service";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("addressing services", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const main = await t.prisma.cluster.create({ data: { name: "ep", heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
    await t.prisma.$executeRaw`
      INSERT INTO "Node" (id, "clusterId", name, role, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch")
      VALUES (gen_random_uuid(), ${main.id}::uuid, 's1', 'ACTIVE', now(), now() + interval '1 hour', 1)`;
    await t.prisma.cluster.create({ data: { name: "ep", service: "mian" } }); // its agent was stopped and its node removed
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("left out, the service is the one some node serves; a node-less service is still addressable by name", async () => {
    expect((await resolveService(t.prisma, { clusterName: "ep" })).service).toBe("main");
    expect((await resolveService(t.prisma, { clusterName: "ep", service: "mian" })).service).toBe("mian");
  });

  it("the cluster's status counts only the services some node serves", async () => {
    const {
      clusters: [ep],
    } = await getClusterOverview({ db: t.prisma });
    expect(ep.status).toBe("ok");
    expect(ep.services.map((s) => s.name)).toEqual(["main", "mian"]);
  });

  it("once two services have nodes, leaving the service out is refused, naming them; an unknown one is 404", async () => {
    const mian = await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "ep", service: "mian" } } });
    await t.prisma.$executeRaw`INSERT INTO "Node" (id, "clusterId", name, "lastHeartbeatAt") VALUES (gen_random_uuid(), ${mian.id}::uuid, 's1', now())`;
    await expect(resolveService(t.prisma, { clusterName: "ep" })).rejects.toMatchObject({
      code: "INVALID",
      message: "cluster ep has several services (main, mian): say which one (service)",
    });
    await expect(resolveService(t.prisma, { clusterName: "ep", service: "ocr" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "cluster ep has no service ocr (it has main, mian)",
    });
  });
});
