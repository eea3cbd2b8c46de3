// The confirmation dialog's words: what an operator reads before changing roles at 3 a.m.
import { describe, expect, it } from "vitest";
import type { ClusterDetailJson, NodeJson } from "../../lib/api/api-types";
import {
  checkProblem,
  commandFor,
  describeCommand,
  describeCommandStage,
  describeHookOutcomes,
  keptWithoutStandby,
  likelyElected,
} from "../../components/describe-command";

const node = (name: string, over: Partial<NodeJson> = {}): NodeJson => ({
  id: name,
  clusterId: "c",
  service: "main",
  name,
  host: "",
  agentVersion: "",
  role: "STANDBY",
  priority: 100,
  maintenance: false,
  health: "healthy",
  heartbeatAgeMs: 100,
  leaseRemainingMs: null,
  activeEpoch: null,
  startedAt: null,
  holdRemainingMs: null,
  metrics: null,
  checkStatus: "PASSING",
  isolated: false,
  checkSince: null,
  checks: [],
  ...over,
});

const detail = (nodes: NodeJson[], cluster: Partial<ClusterDetailJson["cluster"]> = {}): ClusterDetailJson => ({
  dbTime: "2026-11-23T03:00:00.000Z",
  cluster: {
    id: "c",
    name: "orders",
    service: "main",
    mode: "ONE",
    minActive: 1,
    services: ["main"],
    failoverMode: "AUTOMATIC",
    paused: false,
    heartbeatMs: 1000,
    leaseMs: 5000,
    demoteTimeoutMs: 1000,
    checkHoldOffMs: 60_000,
    failoverLimit: 3,
    failoverWindowMs: 600_000,
    epoch: "7",
    pausedReason: null,
    ...cluster,
  },
  nodes,
  nodeCounts: {
    total: nodes.length,
    matching: nodes.length,
    active: nodes.filter((n) => n.role === "ACTIVE").length,
    serving: nodes.filter((n) => n.role === "ACTIVE" && (n.leaseRemainingMs ?? 0) > 0).length,
    healthy: nodes.filter((n) => n.health === "healthy").length,
    suspect: nodes.filter((n) => n.health === "suspect").length,
    down: nodes.filter((n) => n.health === "down").length,
    maintenance: nodes.filter((n) => n.maintenance).length,
    failing: nodes.filter((n) => n.checkStatus === "FAILING").length,
    isolated: nodes.filter((n) => n.isolated).length,
  },
  nodePage: { offset: 0, limit: null, sort: "name", order: "asc" },
  keyNodes: nodes,
  commands: [],
});

const a = node("node-a", { role: "ACTIVE", leaseRemainingMs: 4000, activeEpoch: "7" });
const b = node("node-b", { priority: 90 });
const c = node("node-c", { priority: 80 });

describe("which button a node's row offers", () => {
  it.each([
    { name: "the active node: Demote", nodes: [a, b], target: "node-a", expected: "DEMOTE" },
    { name: "a standby while the active holds its lease: Switch over", nodes: [a, b], target: "node-b", expected: "SWITCHOVER" },
    {
      name: "a standby when the active's lease lapsed: Promote",
      nodes: [{ ...a, leaseRemainingMs: -10, health: "down" as const }, b],
      target: "node-b",
      expected: "PROMOTE",
    },
    { name: "a standby when nobody is active: Promote", nodes: [b, c], target: "node-b", expected: "PROMOTE" },
  ])("$name", ({ nodes, target, expected }) => {
    expect(
      commandFor(
        nodes.find((n) => n.name === target)!,
        nodes,
      ),
    ).toBe(expected);
  });
});

describe("the consequence the dialog states", () => {
  it.each([
    {
      name: "switchover",
      kind: "SWITCHOVER" as const,
      target: b,
      d: detail([a, b, c]),
      consequence: "node-a stops being active; node-b becomes active.",
      note: null,
    },
    {
      name: "switchover from a dead active waits for its lease",
      kind: "SWITCHOVER" as const,
      target: b,
      d: detail([{ ...a, health: "down" }, b]),
      consequence: "node-a stops being active; node-b becomes active.",
      note: /once node-a's lease has expired/,
    },
    {
      name: "demote in automatic mode names the likely successor",
      kind: "DEMOTE" as const,
      target: a,
      d: detail([a, c, b]),
      consequence: "node-a stops being active; node-b becomes active (automatic election).",
      note: /held off/,
    },
    {
      name: "demote skips standbys in maintenance, down or with priority 0",
      kind: "DEMOTE" as const,
      target: a,
      d: detail([a, { ...b, maintenance: true }, { ...c, priority: 0 }, node("node-d", { priority: 99, health: "down" }), node("node-e", { priority: 10 })]),
      consequence: "node-a stops being active; node-e becomes active (automatic election).",
      note: null,
    },
    {
      name: "demote while paused leaves the cluster without an active",
      kind: "DEMOTE" as const,
      target: a,
      d: detail([a, b], { paused: true }),
      consequence: "node-a stops being active; no node becomes active until you promote one (automatic failover is paused).",
      note: null,
    },
    {
      name: "demote in manual mode",
      kind: "DEMOTE" as const,
      target: a,
      d: detail([a, b], { failoverMode: "MANUAL" }),
      consequence: "node-a stops being active; no node becomes active until you promote one (the cluster is in manual failover mode).",
      note: null,
    },
    {
      name: "demote with no eligible standby",
      kind: "DEMOTE" as const,
      target: a,
      d: detail([a, { ...b, health: "suspect" }]),
      consequence: "node-a stops being active; no standby is eligible to take over, so the cluster will have no active node.",
      note: null,
    },
    {
      name: "promote with nobody active",
      kind: "PROMOTE" as const,
      target: b,
      d: detail([b, c]),
      consequence: "node-b becomes active.",
      note: /No node is active/,
    },
  ])("$name", ({ kind, target, d, consequence, note }) => {
    const text = describeCommand({ kind, target }, d);
    expect(text.consequence).toBe(consequence);
    if (note) expect(text.notes.join(" ")).toMatch(note);
  });

  it("the confirm button names the action and the node", () => {
    expect(describeCommand({ kind: "SWITCHOVER", target: b }, detail([a, b])).confirm).toBe("Switch over to node-b");
    expect(describeCommand({ kind: "DEMOTE", target: a }, detail([a, b])).confirm).toBe("Demote node-a");
  });

  it("a node held off after a demotion is not the likely successor", () => {
    expect(likelyElected([a, { ...b, holdRemainingMs: 30_000 }, c], "node-a")?.name).toBe("node-c");
  });
});

describe("the command's progress: what it is doing and how its hooks ended", () => {
  const standby = (n: NodeJson) => ({ ...n, role: "STANDBY" as const, leaseRemainingMs: null, activeEpoch: null });
  it.each([
    {
      name: "switchover running with the old active still active: stepping down, no cancel",
      command: { kind: "SWITCHOVER" as const, status: "RUNNING" as const, targetNode: "node-b" },
      nodes: [a, b],
      expected: "node-a is stepping down (running its demote hook); node-b takes over once it has released the lease. It can no longer be cancelled.",
    },
    {
      name: "demote running on the active",
      command: { kind: "DEMOTE" as const, status: "RUNNING" as const, targetNode: "node-a" },
      nodes: [a, b],
      expected: "node-a is stepping down (running its demote hook). It can no longer be cancelled.",
    },
    {
      name: "switchover running after the old active released the lease",
      command: { kind: "SWITCHOVER" as const, status: "RUNNING" as const, targetNode: "node-b" },
      nodes: [standby(a), b],
      expected: "node-b is taking over.",
    },
    {
      name: "switchover pending: waits for the target, then the active steps down",
      command: { kind: "SWITCHOVER" as const, status: "PENDING" as const, targetNode: "node-b" },
      nodes: [a, b],
      expected: "Waiting for node-b to confirm it is ready; then node-a steps down.",
    },
    {
      name: "finished: nothing to say",
      command: { kind: "SWITCHOVER" as const, status: "SUCCEEDED" as const, targetNode: "node-b" },
      nodes: [a, b],
      expected: null,
    },
  ])("$name", ({ command, nodes, expected }) => {
    expect(describeCommandStage(command, nodes)).toBe(expected);
  });

  it("hook outcomes in words, demote first, failures marked", () => {
    expect(
      describeHookOutcomes({
        promote: { node: "node-b", ok: false, ms: 41, error: "exit code 3" },
        demote: { node: "node-a", ok: true, ms: 3012.4 },
      }),
    ).toEqual([
      { ok: true, text: "demote hook on node-a: ok in 3012 ms" },
      { ok: false, text: "promote hook on node-b failed: exit code 3 (after 41 ms)" },
    ]);
    expect(describeHookOutcomes({ demote: { node: "node-a", ok: false, ms: 1000, error: "timed out after 1000 ms" } })).toEqual([
      { ok: false, text: "demote hook on node-a failed: timed out after 1000 ms" },
    ]);
    expect(describeHookOutcomes({ promote: { node: "node-b", ok: false, ms: 0, error: "skipped: no longer active" } })).toEqual([
      { ok: false, text: "promote hook on node-b skipped: no longer active" },
    ]);
  });

  it("no outcomes, or malformed ones, give no lines", () => {
    expect(describeHookOutcomes(null)).toEqual([]);
    expect(describeHookOutcomes(undefined)).toEqual([]);
    expect(describeHookOutcomes({ demote: "ok" } as never)).toEqual([]);
    expect(describeHookOutcomes({ promote: { ok: true } } as never)).toEqual([]);
  });
});

describe("health checks in the words the console shows", () => {
  const http = { name: "http", status: "FAILING" as const, since: "2026-12-02T05:00:00.000Z", output: "HTTP 503" };
  const sickB = { ...b, checkStatus: "FAILING" as const, checks: [http] };

  it("a failing or isolated target: the server's reason, and the dialog asks to force", () => {
    expect(checkProblem(sickB)).toBe("node-b's checks fail (http: HTTP 503)");
    expect(checkProblem({ ...b, isolated: true, checks: [{ ...http, name: "gateway", output: "connect ECONNREFUSED" }] })).toBe(
      "node-b is isolated (its gateway check fails: connect ECONNREFUSED)",
    );
    expect(checkProblem(b)).toBeNull();
    expect(checkProblem({ ...b, checkStatus: "UNKNOWN" })).toBeNull();
    const text = describeCommand({ kind: "SWITCHOVER", target: sickB }, detail([a, sickB, c]));
    expect(text.force).toBe("node-b's checks fail (http: HTTP 503)");
    expect(text.notes).toContain("node-b's checks fail (http: HTTP 503): the console refuses it unless an ADMIN forces it.");
    expect(describeCommand({ kind: "SWITCHOVER", target: c }, detail([a, sickB, c])).force).toBeUndefined();
  });

  it("automatic failover never picks a failing or isolated standby", () => {
    expect(likelyElected([a, sickB, c], "node-a")?.name).toBe("node-c");
    expect(likelyElected([a, sickB, { ...c, isolated: true }], "node-a")).toBeUndefined();
  });

  it("the active keeps its role while its checks fail only when no standby passes its own", () => {
    const sickA = { ...a, checkStatus: "FAILING" as const, checks: [http] };
    const passingC = { ...c, checkStatus: "PASSING" as const };
    expect(keptWithoutStandby([sickA, sickB, { ...c, checkStatus: "UNKNOWN" }])).toBe(
      "node-a's checks fail (http: HTTP 503), but no standby passes its own checks: node-a keeps the active role rather than leave the cluster with none.",
    );
    expect(keptWithoutStandby([sickA, sickB, passingC])).toBeNull();
    expect(keptWithoutStandby([a, sickB])).toBeNull();
    expect(keptWithoutStandby([{ ...sickA, isolated: true }, sickB])).toBeNull(); // isolated: it steps down anyway
  });
});
