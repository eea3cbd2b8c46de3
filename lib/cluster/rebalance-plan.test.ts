import { describe, expect, it } from "vitest";
import { planMove, spreadOf, type PlanInput, type ServicePlacement } from "./rebalance-plan";

const SERVERS = ["s1", "s2", "s3"];

/** A service active on `on`, with the other listed servers as eligible standbys (priority 100 unless given as "s2:50"). */
function svc(service: string, on: string, standbys: string[] = SERVERS.filter((s) => s !== on), activePriority = 100): ServicePlacement {
  const seat = (spec: string) => {
    const [server, priority] = spec.split(":");
    return { server, priority: priority === undefined ? 100 : Number(priority) };
  };
  return { service, active: { server: on, priority: activePriority }, standbys: standbys.map(seat) };
}

/** Runs the planner's moves to the end, as the rebalance does (the moved service's standbys follow). */
function runToEnd(input: PlanInput) {
  const moves: string[] = [];
  let state = input;
  for (let i = 0; i < 20; i++) {
    const plan = planMove(state);
    if (plan.kind !== "move") return { moves, end: plan };
    const { service, from, to } = plan.move;
    moves.push(`${service}:${from}->${to}`);
    state = {
      ...state,
      services: state.services.map((s) => {
        if (s.service !== service) return s;
        const target = s.standbys.find((x) => x.server === to)!;
        return { service, active: target, standbys: [...s.standbys.filter((x) => x.server !== to), s.active] };
      }),
    };
  }
  throw new Error("did not converge");
}

describe("rebalance planner", () => {
  it.each<[string, PlanInput, ReturnType<typeof planMove>["kind"], string | null]>([
    ["no services", { servers: SERVERS, services: [] }, "even", null],
    ["one service per server", { servers: SERVERS, services: [svc("a", "s1"), svc("b", "s2"), svc("c", "s3")] }, "even", null],
    ["2/1/0 is within one of even? no: a gap of 2", { servers: SERVERS, services: [svc("a", "s1"), svc("b", "s1"), svc("c", "s2")] }, "move", "a:s1->s3"],
    ["2/2/1 is even enough", { servers: SERVERS, services: [svc("a", "s1"), svc("b", "s1"), svc("c", "s2"), svc("d", "s2"), svc("e", "s3")] }, "even", null],
    ["everything on s1 goes to the emptiest, first by name", { servers: SERVERS, services: ["a", "b", "c", "d"].map((n) => svc(n, "s1")) }, "move", "a:s1->s2"],
    [
      "never to a lower priority: a's only target is s3 at 50 (and d's move to s3 closes no gap of 2)",
      { servers: SERVERS, services: [svc("a", "s1", ["s3:50"]), svc("b", "s1", []), svc("c", "s1", []), svc("d", "s2", ["s3"])] },
      "stuck",
      null,
    ],
    [
      "equal priority is fine, a higher one preferred",
      { servers: SERVERS, services: [svc("a", "s1", ["s3:100"]), svc("b", "s1", ["s3:200"]), svc("c", "s1", []), svc("d", "s2", [])] },
      "move",
      "b:s1->s3",
    ],
    [
      "a target not eligible (left out of standbys) is never chosen",
      { servers: SERVERS, services: [svc("a", "s1", ["s2"]), svc("b", "s1", ["s2"]), svc("c", "s2", ["s1"])] },
      "stuck",
      null,
    ],
    [
      "the widest gap first: from the fullest server to the emptiest",
      { servers: SERVERS, services: [svc("a", "s1"), svc("b", "s1"), svc("c", "s1"), svc("d", "s2"), svc("e", "s2")] },
      "move",
      "a:s1->s3",
    ],
    [
      "a server holding an active but eligible nowhere still counts (3 on s4)",
      { servers: SERVERS, services: [svc("a", "s4"), svc("b", "s4"), svc("c", "s4")] },
      "move",
      "a:s4->s1",
    ],
    ["a single server is always even", { servers: ["s1"], services: [svc("a", "s1", []), svc("b", "s1", [])] }, "even", null],
  ])("%s", (_name, input, kind, move) => {
    const plan = planMove(input);
    expect(plan.kind).toBe(kind);
    if (plan.kind === "move") expect(`${plan.move.service}:${plan.move.from}->${plan.move.to}`).toBe(move);
    if (plan.kind === "stuck") expect(plan.why).toMatch(/no service can move/);
  });

  it("measures the spread over the given servers, an empty one included", () => {
    expect(spreadOf({ servers: SERVERS, services: [svc("a", "s1"), svc("b", "s1")] })).toEqual({ counts: { s1: 2, s2: 0, s3: 0 }, spread: 2 });
  });

  it.each([
    ["6 services on two servers", [..."abc"].map((n) => svc(n, "s1")).concat([..."def"].map((n) => svc(n, "s2"))), { s1: 2, s2: 2, s3: 2 }, 2],
    ["6 services on one server", [..."abcdef"].map((n) => svc(n, "s1")), { s1: 2, s2: 2, s3: 2 }, 4],
    ["7 services on one server", [..."abcdefg"].map((n) => svc(n, "s1")), { s1: 3, s2: 2, s3: 2 }, 4],
  ])("%s end even, each service moved at most once", (_name, services, counts, moveCount) => {
    const { moves, end } = runToEnd({ servers: SERVERS, services });
    expect(end.kind).toBe("even");
    expect(end.counts).toEqual(counts);
    expect(moves).toHaveLength(moveCount);
    expect(new Set(moves.map((m) => m.split(":")[0])).size).toBe(moves.length);
  });
});
