// failoverctl on a cluster of several services: the bundled CLI as a process against the
// production console. `services` prints the matrix; --service routes every command; without it,
// pause and node changes cover every service, the others ask for it (exit 2); a malformed service
// is refused before anything is sent, an unknown one is exit 6; refusals change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterServicesSchema } from "../../lib/api/response-schemas";
import { databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { seedEphesoft } from "../api/service-fixture";
import { createToken } from "./api-token";
import { runCli } from "./run-cli";

let bed: ConsoleTestbed;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);
const rows = (service: string, name: string) =>
  bed.t.prisma.node.findFirstOrThrow({ where: { name, cluster: { name: "ep", service } }, select: { maintenance: true, priority: true } });

beforeAll(async () => {
  bed = await startConsoleTestbed();
  await seedEphesoft(bed.t.prisma);
  const operator = await bed.signInAs("operator@example.com");
  env = { FAILOVER_URL: bed.server.url, FAILOVER_TOKEN: (await createToken(bed.server.url, operator, "OPERATOR")).secret };
});
afterAll(async () => bed?.stop());

describe("failoverctl and services", () => {
  it("services CLUSTER: one row per service, one column per server, then what needs attention; --json is the API's matrix", async () => {
    const res = await cli("services", "ep");
    expect(res).toMatchObject({ code: 0, stderr: "" });
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines[0].split(/\s{2,}/)).toEqual(["SERVICE", "MODE", "SERVING", "EPOCH", "PAUSED", "s1", "s2", "s3"]);
    expect(lines.slice(1, 4).map((l) => l.split(/\s{2,}/))).toEqual([
      ["import", "ONE", "1/1", "1", "no", "ACTIVE", "standby", "standby down"],
      ["ocr", "ONE", "1/1", "1", "no", "standby", "ACTIVE", "standby down"],
      ["reporting", "ALL", "2/3", "1", "no", "ACTIVE", "ACTIVE", "-"],
    ]);
    expect(lines.slice(4)).toEqual(["ep: reporting: 2 of at least 3 nodes serve"]);
    const json = await cli("services", "ep", "--json");
    expect(clusterServicesSchema.parse(JSON.parse(json.stdout))).toMatchObject({ cluster: "ep", servers: ["s1", "s2", "s3"] });
    expect(await cli("services", "omega")).toMatchObject({ code: 6, stdout: "", stderr: "failoverctl: cluster omega not found\n" });
  });

  it("list: a SERVICE column once a cluster has several; a cluster of one service listed alone reads as before", async () => {
    const all = await cli("list");
    expect(all.code).toBe(0);
    const [header, ...body] = all.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^CLUSTER\s+SERVICE\s+NODE\s+ROLE/);
    expect(body.filter((l) => l.startsWith("ep ")).map((l) => l.split(/\s+/).slice(0, 4).join(" "))).toEqual([
      "ep import s1 ACTIVE",
      "ep import s2 STANDBY",
      "ep import s3 STANDBY",
      "ep ocr s1 STANDBY",
      "ep ocr s2 ACTIVE",
      "ep ocr s3 STANDBY",
      "ep reporting s1 ACTIVE",
      "ep reporting s2 ACTIVE",
    ]);
    expect(body).toContain(body.find((l) => /^alpha\s+main\s+node-a\s+ACTIVE/.test(l)));
    const alpha = await cli("list", "alpha");
    expect(alpha.stdout).toMatch(/^CLUSTER\s+NODE\s+ROLE/);
  });

  it("show: --service picks the service; without it on several services, exit 2 naming them", async () => {
    const ocr = await cli("show", "ep", "--service", "ocr");
    expect(ocr.code).toBe(0);
    expect(ocr.stdout.split("\n")[0]).toMatch(/^cluster ep {2}service ocr \(mode ONE\) {2}epoch 1/);
    expect(await cli("show", "ep")).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "failoverctl: cluster ep has several services (import, ocr, reporting): say which one (--service NAME)\n",
    });
    expect((await cli("show", "alpha")).stdout.split("\n")[0]).toMatch(/^cluster alpha {2}epoch 1/);
  });

  it("refusals: malformed (exit 2, nothing sent), unknown (exit 6), ambiguous (exit 2), mode ALL (exit 1); nothing changes", async () => {
    const cases: [string[], number, RegExp][] = [
      [["show", "ep", "--service", "bad name"], 2, /^failoverctl: --service "bad name": letters, digits/],
      [["switchover", "ep", "--to", "s1", "--service=-x"], 2, /^failoverctl: --service "-x": letters, digits/],
      [["pause", "ep", "--service", "a/b"], 2, /^failoverctl: --service "a\/b"/],
      [["audit", "--cluster", "ep", "--service", "x y"], 2, /^failoverctl: filters: service: letters, digits/],
      [["show", "ep", "--service", "billing"], 6, /^failoverctl: cluster ep has no service billing \(it has import, ocr, reporting\)$/],
      [["maintenance", "ep", "s2", "on", "--service", "billing"], 6, /no service billing/],
      [["switchover", "ep", "--to", "s1"], 2, /several services \(import, ocr, reporting\): say which one \(--service NAME\)$/],
      [["history", "ep"], 2, /say which one \(--service NAME\)$/],
      [["demote", "ep"], 2, /say which one \(--service NAME\)$/],
      [["switchover", "ep", "--to", "s1", "--service", "reporting"], 1, /service reporting of cluster ep runs on every healthy node \(mode ALL\)/],
      [["remove", "ep", "s1"], 1, /s1 is the active node/],
    ];
    for (const [args, code, stderr] of cases) {
      const before = await databaseState(bed.t.prisma);
      const res = await cli(...args);
      expect({ args, code: res.code, stdout: res.stdout }).toEqual({ args, code, stdout: "" });
      expect(res.stderr.trimEnd()).toMatch(stderr);
      expect(res.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(await databaseState(bed.t.prisma)).toBe(before);
    }
  });

  it("switchover --service: the command is that service's", async () => {
    const res = await cli("switchover", "ep", "--to", "s1", "--service", "ocr", "--reason", "move ocr", "--no-wait");
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^ep \(ocr\): switchover to s1 requested \(command [0-9a-f-]{36}\)/);
    const id = /^PENDING ([0-9a-f-]{36})$/.exec(res.stdout.trim())![1];
    const command = await bed.t.prisma.command.findUniqueOrThrow({ where: { id }, include: { cluster: true } });
    expect(command).toMatchObject({ targetName: "s1", reason: "move ocr", cluster: { service: "ocr" } });
    await bed.t.prisma.command.update({ where: { id }, data: { status: "CANCELLED" } });
  });

  it("maintenance and priority: without --service the server in every service; with it, that row", async () => {
    const on = await cli("maintenance", "ep", "s2", "on", "--reason", "patching");
    expect(on).toMatchObject({ code: 0, stderr: "" });
    expect(on.stdout.trimEnd().split("\n")).toEqual([
      "ep/s2 (import): maintenance on, priority 100",
      "ep/s2 (ocr): maintenance on, priority 100",
      "ep/s2 (reporting): maintenance on, priority 100",
    ]);
    for (const s of ["import", "ocr", "reporting"]) expect(await rows(s, "s2")).toMatchObject({ maintenance: true });
    const one = await cli("priority", "ep", "s2", "40", "--service", "ocr");
    expect(one.stdout).toBe("ep/s2 (ocr): maintenance on, priority 40\n");
    expect([(await rows("import", "s2")).priority, (await rows("ocr", "s2")).priority]).toEqual([100, 40]);
    expect((await cli("maintenance", "alpha", "node-b", "on")).stdout).toBe("alpha/node-b: maintenance on, priority 100\n");
  });

  it("pause and resume: without --service every service, with it one", async () => {
    expect((await cli("pause", "ep", "--reason", "window")).stdout).toBe("ep: automatic failover paused in every service (import, ocr, reporting)\n");
    expect((await cli("resume", "ep", "--service", "ocr")).stdout).toBe("ep (ocr): automatic failover resumed\n");
    const paused = await bed.t.prisma.cluster.findMany({ where: { name: "ep" }, orderBy: { service: "asc" }, select: { service: true, paused: true } });
    expect(paused).toEqual([
      { service: "import", paused: true },
      { service: "ocr", paused: false },
      { service: "reporting", paused: true },
    ]);
  });

  it("history, audit and remove with services", async () => {
    const history = await cli("history", "ep", "--service", "ocr");
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^ep \(ocr\): active nodes from/);
    const audit = await cli("audit", "--cluster", "ep", "--service", "ocr", "--limit", "500", "--json");
    expect(audit.code).toBe(0);
    const page = JSON.parse(audit.stdout) as { events: { service: string; action: string }[] };
    expect(new Set(page.events.map((e) => e.service))).toEqual(new Set(["ocr"]));
    expect(page.events.map((e) => e.action)).toEqual(expect.arrayContaining(["command.requested", "node.maintenance_on", "cluster.resumed"]));
    const table = await cli("audit", "--cluster", "ep", "--action", "node.maintenance_on");
    expect(table.stdout).toContain("ep/s2 (reporting)");
    expect((await cli("remove", "ep", "s3", "--reason", "gone")).stdout).toBe("ep/s3: removed from import, ocr\n");
    expect(await bed.t.prisma.node.count({ where: { name: "s3" } })).toBe(0);
  });
});
