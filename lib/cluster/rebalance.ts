import type { CommandStatus } from "../db/client";
import { toSql, type DbHandle, type Sql } from "../db/sql";
import { AppError } from "../errors";
import { insertAudit } from "./audit";
import { planMove, type Move, type Plan } from "./rebalance-plan";
import { loadPlacement, type ClusterPlacement } from "./rebalance-state";
import { requestCommand } from "./request-command";

export type RebalanceStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";
/** One switchover of a rebalance; status is its command's, as last seen. */
export type RebalanceMove = Move & { commandId: string; status: CommandStatus };

export type RebalanceView = {
  id: string;
  clusterName: string;
  status: RebalanceStatus;
  requestedBy: string;
  reason: string;
  moves: RebalanceMove[];
  currentCommandId: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
};

const COLUMNS = `id, "clusterName", status::text AS status, "requestedBy", reason, moves, "currentCommandId", error, "createdAt", "finishedAt"`;

export type RequestRebalanceOptions = { db: DbHandle; clusterName: string; requestedBy: string; reason?: string };

/**
 * Starts a rebalance of a cluster's ONE-mode services, audited with its first planned move; the
 * consoles' timer (advanceRebalances) then runs the moves. Refused (409) while one runs, while any
 * service has an open command, or when the spread is uneven but no move can lower it. A cluster
 * already even gets a rebalance that finished at once.
 */
export async function requestRebalance({ db, clusterName, requestedBy, reason = "" }: RequestRebalanceOptions): Promise<RebalanceView> {
  return toSql(db).transaction(async (tx) => {
    const placement = await loadPlacement(tx, clusterName);
    if (!placement) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
    const [running] = await tx.query<RebalanceView>(`SELECT ${COLUMNS} FROM "Rebalance" WHERE "clusterName" = $1 AND status = 'RUNNING'`, [clusterName]);
    if (running) throw new AppError("CONFLICT", `a rebalance of ${clusterName} is already running (${running.id}, requested by ${running.requestedBy})`);
    const [open] = placement.openCommands;
    if (open) throw new AppError("CONFLICT", `a ${open.kind.toLowerCase()} of service ${open.service} is in progress; rebalance once it ends`);
    const plan = planMove(placement.input);
    if (plan.kind === "stuck") throw new AppError("PRECONDITION_FAILED", `cannot rebalance ${clusterName}: ${plan.why}`);
    const even = plan.kind === "even";
    // Two consoles racing past the check above meet the one-running index here.
    const [row] = await tx.query<RebalanceView>(
      `INSERT INTO "Rebalance" (id, "clusterName", status, "requestedBy", reason, "finishedAt")
       VALUES (gen_random_uuid(), $1, $2::"RebalanceStatus", $3, $4, CASE WHEN $5 THEN now() END)
       ON CONFLICT ("clusterName") WHERE status = 'RUNNING' DO NOTHING RETURNING ${COLUMNS}`,
      [clusterName, even ? "SUCCEEDED" : "RUNNING", requestedBy, reason.slice(0, 500), even],
    );
    if (!row) throw new AppError("CONFLICT", `a rebalance of ${clusterName} is already running`);
    const base = { actor: requestedBy, clusterName, reason };
    await insertAudit(tx, {
      ...base,
      action: "rebalance.requested",
      details: { rebalanceId: row.id, counts: plan.counts, spread: plan.spread, firstMove: even ? null : plan.move },
    });
    if (even) {
      await insertAudit(tx, {
        ...base,
        action: "rebalance.finished",
        reason: `nothing to move; ${describeCounts(plan)}`,
        details: { rebalanceId: row.id, moves: [], counts: plan.counts, spread: plan.spread },
      });
    }
    return row;
  });
}

/** The cluster's running rebalance, else its latest (or the one `id` names); 404 when the cluster or any rebalance of it is unknown. */
export async function getRebalance({ db, clusterName, id }: { db: DbHandle; clusterName: string; id?: string }): Promise<RebalanceView> {
  const sql = toSql(db);
  const [cluster] = await sql.query(`SELECT 1 FROM "Cluster" WHERE name = $1 LIMIT 1`, [clusterName]);
  if (!cluster) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const [row] = await sql.query<RebalanceView>(
    `SELECT ${COLUMNS} FROM "Rebalance" WHERE "clusterName" = $1 AND ($2::uuid IS NULL OR id = $2::uuid)
     ORDER BY status = 'RUNNING' DESC, "createdAt" DESC, id LIMIT 1`,
    [clusterName, id ?? null],
  );
  if (!row) throw new AppError("NOT_FOUND", `cluster ${clusterName} has never been rebalanced`);
  return row;
}

export type AdvanceOutcome = "waiting" | "moved" | "SUCCEEDED" | "FAILED";

/**
 * One step of every running rebalance (or of `id` only), each in its own transaction on its row,
 * claimed FOR UPDATE SKIP LOCKED so consoles running this at once never step one twice. A step
 * waits while its switchover is open; fails the rebalance when it ended otherwise than SUCCEEDED;
 * else requests the next move the live placement calls for, or ends it when none is left.
 */
export async function advanceRebalances({ db, id }: { db: DbHandle; id?: string }): Promise<{ id: string; outcome: AdvanceOutcome }[]> {
  const sql = toSql(db);
  const running = await sql.query<{ id: string }>(`SELECT id FROM "Rebalance" WHERE status = 'RUNNING' AND ($1::uuid IS NULL OR id = $1::uuid)`, [id ?? null]);
  const results: { id: string; outcome: AdvanceOutcome }[] = [];
  for (const { id: rebalanceId } of running) {
    const outcome = await sql.transaction(async (tx) => {
      const [row] = await tx.query<RebalanceView>(`SELECT ${COLUMNS} FROM "Rebalance" WHERE id = $1::uuid AND status = 'RUNNING' FOR UPDATE SKIP LOCKED`, [
        rebalanceId,
      ]);
      return row ? step(tx, row) : null;
    });
    if (outcome) results.push({ id: rebalanceId, outcome });
  }
  return results;
}

const describeCounts = ({ counts }: Plan) =>
  Object.entries(counts)
    .map(([server, n]) => `${server} ${n}`)
    .join(", ");
const describeMove = ({ service, from, to }: Move) => `the move of ${service} from ${from} to ${to}`;

async function step(tx: Sql, r: RebalanceView): Promise<AdvanceOutcome> {
  const moves = [...r.moves];
  if (r.currentCommandId) {
    const [command] = await tx.query<{ status: CommandStatus; error: string | null }>(
      `SELECT status::text AS status, error FROM "Command" WHERE id = $1::uuid`,
      [r.currentCommandId],
    );
    if (command?.status === "PENDING" || command?.status === "RUNNING") return "waiting";
    const last = moves[moves.length - 1];
    if (!command) return finish(tx, r, moves, null, `${describeMove(last)} lost its command (the service was removed)`);
    moves[moves.length - 1] = { ...last, status: command.status };
    if (command.status !== "SUCCEEDED") {
      return finish(tx, r, moves, null, `${describeMove(last)} ended ${command.status}: ${command.error ?? "no reason given"}`, r.currentCommandId);
    }
  }
  const placement = await loadPlacement(tx, r.clusterName);
  if (!placement) return finish(tx, r, moves, null, `cluster ${r.clusterName} is gone`);
  if (placement.openCommands.length) return save(tx, r.id, moves, null); // someone else's command: its turn first
  const plan = planMove(placement.input);
  if (plan.kind === "even") return finish(tx, r, moves, plan, null);
  // Moves were made and none is left that priorities and eligibility allow: as even as this
  // cluster can be (e.g. a lower-priority disaster-recovery server), which is success, said so.
  if (plan.kind === "stuck")
    return moves.length ? finish(tx, r, moves, plan, null, null, `as even as priorities allow: ${plan.why}`) : finish(tx, r, moves, plan, plan.why);
  // Each move lowers the sum of squares of the counts, so a healthy run needs about one move per
  // service; past that the placement is changing under it (failovers meanwhile): stop.
  const limit = Object.keys(placement.serviceIds).length + 1;
  if (moves.length >= limit) return finish(tx, r, moves, plan, `gave up after ${moves.length} moves: the spread is still ${plan.spread}`);
  return requestMove(tx, r, moves, placement, plan.move);
}

async function requestMove(tx: Sql, r: RebalanceView, moves: RebalanceMove[], placement: ClusterPlacement, move: Move): Promise<AdvanceOutcome> {
  let commandId: string;
  try {
    const command = await requestCommand({
      db: tx,
      clusterId: placement.serviceIds[move.service],
      kind: "SWITCHOVER",
      targetNodeId: placement.nodeIds[move.service][move.to],
      requestedBy: r.requestedBy,
      reason: `rebalance ${r.id}: ${move.service} from ${move.from} to ${move.to}${r.reason ? ` (${r.reason})` : ""}`,
    });
    commandId = command.id;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === "CONFLICT") return save(tx, r.id, moves, null); // a command got in first: try again next time
    return finish(tx, r, moves, null, `could not start ${describeMove(move)}: ${err.message}`);
  }
  moves.push({ ...move, commandId, status: "PENDING" });
  await save(tx, r.id, moves, commandId);
  return "moved";
}

async function save(tx: Sql, id: string, moves: RebalanceMove[], currentCommandId: string | null): Promise<"waiting"> {
  await tx.execute(`UPDATE "Rebalance" SET moves = $2::jsonb, "currentCommandId" = $3::uuid WHERE id = $1::uuid`, [
    id,
    JSON.stringify(moves),
    currentCommandId,
  ]);
  return "waiting";
}

/** Ends a rebalance, audited: SUCCEEDED without an error, FAILED with one. */
async function finish(
  tx: Sql,
  r: RebalanceView,
  moves: RebalanceMove[],
  plan: Plan | null,
  error: string | null,
  commandId: string | null = null,
  note = "",
): Promise<"SUCCEEDED" | "FAILED"> {
  const status = error === null ? "SUCCEEDED" : "FAILED";
  await tx.execute(
    `UPDATE "Rebalance" SET status = $2::"RebalanceStatus", moves = $3::jsonb, "currentCommandId" = NULL, error = $4, "finishedAt" = now() WHERE id = $1::uuid`,
    [r.id, status, JSON.stringify(moves), error?.slice(0, 1000) ?? null],
  );
  await insertAudit(tx, {
    actor: r.requestedBy,
    action: error === null ? "rebalance.finished" : "rebalance.failed",
    clusterName: r.clusterName,
    commandId,
    reason: error ?? `${moves.length} move${moves.length === 1 ? "" : "s"}; now ${plan ? describeCounts(plan) : "unknown"}${note ? `; ${note}` : ""}`,
    details: { rebalanceId: r.id, moves, ...(plan && { counts: plan.counts, spread: plan.spread }) },
  });
  return status;
}
