import { toSql, type DbHandle } from "../db/sql";
import type { HookOutcome } from "./hook-outcome";

/** The target's promote hook ended: its outcome goes on the command (the audit has hook.failed too). */
export async function recordPromoteHook({ db, commandId, outcome }: { db: DbHandle; commandId: string; outcome: HookOutcome }) {
  await toSql(db).execute(
    `UPDATE "Command" SET "hookOutcomes" = COALESCE("hookOutcomes", '{}') || jsonb_build_object('promote', $2::jsonb) WHERE id = $1::uuid`,
    [commandId, JSON.stringify(outcome)],
  );
}
