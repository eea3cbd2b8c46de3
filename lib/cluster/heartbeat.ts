import { toSql, type DbHandle } from "../db/sql";
import { beatOnTime, markSilentNodesDown, recordNodeRecovered, SILENT_NODE_SQL } from "./node-down";

export type HeartbeatOptions = {
  db: DbHandle;
  nodeId: string;
  instanceId: string;
  /** The epoch this agent is active at; null for a standby (a standby never renews a lease). */
  activeEpoch: bigint | null;
  metrics?: Record<string, number>;
  /**
   * A light beat (see LIGHT below): the node's liveness, its lease and the active row only; the
   * service's settings and the open-command flag are taken from `settings`, an earlier full beat's
   * result, and a renewal lasts `leaseMs`, the lease this agent's deadlines are computed from.
   * Metrics are not written. Left out: a full beat.
   */
  light?: { settings: HeartbeatResult; leaseMs: number };
};

export type HeartbeatResult = {
  role: "ACTIVE" | "STANDBY";
  /** True when this heartbeat extended this agent's lease at its epoch. */
  renewed: boolean;
  clusterEpoch: bigint;
  failoverMode: "AUTOMATIC" | "MANUAL";
  /** ONE: the single-active protocol; ALL: every healthy node serves (lib/cluster/serving.ts). */
  mode: "ONE" | "ALL";
  paused: boolean;
  maintenance: boolean;
  heartbeatMs: number;
  leaseMs: number;
  demoteTimeoutMs: number;
  /** Milliseconds until the active node's lease ends (DB clock); null when no node holds one (always in mode ALL). */
  activeLeaseRemainingMs: number | null;
  activeNodeId: string | null;
  /**
   * The active row's lease end as written by its last renewal (null without an active row). A
   * standby compares it between beats on its own clock, not the database's (agent/lease.ts).
   */
  activeLeaseExpiresAt: Date | null;
  /** A command is PENDING or RUNNING in the cluster: look at it. */
  openCommand: boolean;
  /** Another agent had marked this node down (node.down); heartbeat() recorded it back up (node.recovered). */
  markedDown: boolean;
};

/** What the active's statement returns besides: a node of the cluster is silent and unmarked (lib/cluster/node-down.ts). */
type BeatRow = HeartbeatResult & { someoneSilent?: boolean };

/**
 * One statement per beat: stamps the heartbeat, renews the lease only while the row is still
 * ACTIVE at the agent's epoch and the lease has not lapsed (a lapsed lease is regained only by
 * election), and returns what the agent needs to decide its next step. Returns null when the row
 * is no longer this agent's (removed, or another process took the name over). Call it on a pool,
 * never inside a transaction: a standby beat would make that whole transaction commit without
 * waiting for the WAL flush.
 */
export async function heartbeat({ db, nodeId, instanceId, activeEpoch, metrics = {}, light }: HeartbeatOptions): Promise<HeartbeatResult | null> {
  const [text, values] = light
    ? activeEpoch === null
      ? [LIGHT_STANDBY_BEAT, [nodeId, instanceId]]
      : [LIGHT_ACTIVE_BEAT, [nodeId, instanceId, activeEpoch, light.leaseMs]]
    : activeEpoch === null
      ? [STANDBY_BEAT, [nodeId, instanceId, JSON.stringify(metrics)]]
      : [ACTIVE_BEAT, [nodeId, instanceId, activeEpoch, JSON.stringify(metrics)]];
  const rows = await toSql(db).query<BeatRow>(text, values);
  if (!rows[0]) return null;
  const { someoneSilent, ...fresh } = rows[0];
  const row: HeartbeatResult = light ? { ...lightSettings(light.settings), ...fresh } : fresh;
  // The active's own row comes back pre-update in the full beat's join (a light one leaves it out); its renewed lease is what counts.
  if (row.renewed) row.activeLeaseRemainingMs = light ? light.leaseMs : row.leaseMs;
  // Node health (lib/cluster/node-down.ts): statements of their own only on a transition (or while
  // no node holds a lease), never in steady state; they must not fail a beat that succeeded.
  // A standby watches while no lease is held, in mode ONE (in mode ALL its serving peers watch).
  const watch = activeEpoch !== null ? someoneSilent : row.mode === "ONE" && row.activeLeaseRemainingMs === null;
  if (beatOnTime(nodeId, row.heartbeatMs) && watch) await markSilentNodesDown({ db, nodeId, instanceId }).catch(() => undefined);
  if (row.markedDown) await recordNodeRecovered({ db, nodeId, instanceId }).catch(() => undefined);
  return row;
}

/** What a light beat takes from the last full one: the service's settings; no command seen open. */
function lightSettings({ clusterEpoch, failoverMode, mode, paused, heartbeatMs, leaseMs, demoteTimeoutMs }: HeartbeatResult) {
  return {
    clusterEpoch,
    failoverMode,
    mode,
    paused,
    heartbeatMs,
    leaseMs,
    demoteTimeoutMs,
    openCommand: false,
  };
}

// The renewal condition, on the row before the update (in SET) and after it (in RETURNING: a renewal
// happens exactly when the old lease was still valid, and leaves the new one valid).
const RENEWS = `n.role = 'ACTIVE' AND n."activeEpoch" = $3::bigint AND n."leaseExpiresAt" > now()`;

// What both beats return besides the node's own row: the service's settings (one primary-key
// lookup) and whether a command is open.
const CLUSTER_FIELDS = `c.epoch AS "clusterEpoch", c."failoverMode"::text AS "failoverMode", c.mode::text AS mode, c.paused,
       c."heartbeatMs", c."leaseMs", c."demoteTimeoutMs",
       EXISTS (SELECT 1 FROM "Command" cmd WHERE cmd."clusterId" = hb."clusterId" AND cmd.status IN ('PENDING', 'RUNNING')) AS "openCommand",
       hb."downSince" IS NOT NULL AS "markedDown"`;

// Shape, measured (docs/benchmarks.md, "Heartbeat cost, 5,000 agents"): a standby's UPDATE touches
// the node's row alone (an UPDATE ... FROM "Cluster" cost ~10 us more than the same join outside it).

/**
 * A standby's beat: its liveness and metrics, then the service's settings, the active row (the
 * partial unique index on the service's ACTIVE exclusive row) and whether a command is open.
 */
function standbyStatement() {
  return `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
     hb AS (
       UPDATE "Node" n SET "lastHeartbeatAt" = now(), metrics = $3::jsonb
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid
       RETURNING n.role, n."clusterId", n.maintenance, n."downSince"
     )
     SELECT hb.role::text AS role, false AS renewed, hb.maintenance, ${CLUSTER_FIELDS},
       a.id AS "activeNodeId", a."leaseExpiresAt" AS "activeLeaseExpiresAt",
       CASE WHEN a."leaseExpiresAt" > now() THEN (EXTRACT(EPOCH FROM a."leaseExpiresAt" - now()) * 1000)::int END AS "activeLeaseRemainingMs"
     FROM hb CROSS JOIN async_commit JOIN "Cluster" c ON c.id = hb."clusterId"
     LEFT JOIN "Node" a ON a."clusterId" = hb."clusterId" AND a.role = 'ACTIVE' AND a.exclusive`;
}

/**
 * The active's beat renews its lease (durably, see below) and also says, read-only, whether a node
 * of the service is silent and unmarked. (Here the service's row joined inside the UPDATE measured
 * the same as a lookup for the lease plus a join outside, so this one keeps its first shape.)
 */
function activeStatement() {
  return `WITH hb AS (
       UPDATE "Node" n SET
         "lastHeartbeatAt" = now(),
         metrics = $4::jsonb,
         "leaseExpiresAt" = CASE WHEN ${RENEWS} THEN now() + make_interval(secs => c."leaseMs" / 1000.0) ELSE n."leaseExpiresAt" END
       FROM "Cluster" c
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid AND c.id = n."clusterId"
       RETURNING n.id, n.role, n."clusterId", n.maintenance, n."downSince",
         COALESCE(${RENEWS}, false) AS renewed,
         c.epoch, c."failoverMode", c.mode, c.paused, c."heartbeatMs", c."leaseMs", c."demoteTimeoutMs"
     )
     SELECT hb.role::text AS role, hb.renewed, hb.epoch AS "clusterEpoch", hb."failoverMode"::text AS "failoverMode", hb.mode::text AS mode, hb.paused,
       hb.maintenance, hb."heartbeatMs", hb."leaseMs", hb."demoteTimeoutMs",
       a.id AS "activeNodeId", a."leaseExpiresAt" AS "activeLeaseExpiresAt",
       CASE WHEN a."leaseExpiresAt" > now() THEN (EXTRACT(EPOCH FROM a."leaseExpiresAt" - now()) * 1000)::int END AS "activeLeaseRemainingMs",
       EXISTS (SELECT 1 FROM "Command" cmd WHERE cmd."clusterId" = hb."clusterId" AND cmd.status IN ('PENDING', 'RUNNING')) AS "openCommand",
       hb."downSince" IS NOT NULL AS "markedDown",
       ${SILENT_NODE_SQL} AS "someoneSilent"
     FROM hb LEFT JOIN "Node" a ON a."clusterId" = hb."clusterId" AND a.role = 'ACTIVE' AND a.exclusive`;
}

/**
 * LIGHT beats. Most beats only need to prove the node alive, renew the active's lease and let a
 * standby watch the active's lease; the service's settings change rarely and commands are
 * announced by NOTIFY (as are settings changes and role changes, see the cluster_notify
 * migration). So the agent sends a full beat (the statements above) on its first beat, after any
 * wake-up (a notification, a role change), while a command is open, in mode ALL and otherwise
 * every FULL_BEAT_EVERY-th beat, which also bounds how late a missed notification, a silent
 * node (the active's check) or a metrics change is seen; in between, these. They touch the node's
 * own row and, for a standby (or an active whose renewal failed), the active row: no service row,
 * no command index, no metrics.
 *
 * A light renewal lasts the lease the agent computes its deadlines from (its parameter), not the
 * service's current setting: an active that has not yet seen a changed lease length still never
 * believes in a lease longer than the one in the database. Its commit waits for the WAL flush
 * like every renewal; a light standby beat commits asynchronously like a full one.
 */
export const FULL_BEAT_EVERY = 5;

function lightStandbyStatement() {
  return `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true)),
     hb AS (
       UPDATE "Node" n SET "lastHeartbeatAt" = now()
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid
       RETURNING n.role, n."clusterId", n.maintenance, n."downSince"
     )
     SELECT hb.role::text AS role, false AS renewed, hb.maintenance, hb."downSince" IS NOT NULL AS "markedDown",
       a.id AS "activeNodeId", a."leaseExpiresAt" AS "activeLeaseExpiresAt",
       CASE WHEN a."leaseExpiresAt" > now() THEN (EXTRACT(EPOCH FROM a."leaseExpiresAt" - now()) * 1000)::int END AS "activeLeaseRemainingMs"
     FROM hb CROSS JOIN async_commit
     LEFT JOIN "Node" a ON a."clusterId" = hb."clusterId" AND a.role = 'ACTIVE' AND a.exclusive`;
}

function lightActiveStatement() {
  return `WITH hb AS (
       UPDATE "Node" n SET "lastHeartbeatAt" = now(),
         "leaseExpiresAt" = CASE WHEN ${RENEWS} THEN now() + make_interval(secs => $4::int / 1000.0) ELSE n."leaseExpiresAt" END
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid
       RETURNING n.id, n.role, n."clusterId", n.maintenance, n."downSince", n."leaseExpiresAt", n.exclusive,
         COALESCE(${RENEWS}, false) AS renewed
     )
     SELECT hb.role::text AS role, hb.renewed, hb.maintenance, hb."downSince" IS NOT NULL AS "markedDown",
       CASE WHEN hb.renewed AND hb.exclusive THEN hb.id ELSE a.id END AS "activeNodeId",
       CASE WHEN hb.renewed AND hb.exclusive THEN hb."leaseExpiresAt" ELSE a."leaseExpiresAt" END AS "activeLeaseExpiresAt",
       CASE WHEN a."leaseExpiresAt" > now() THEN (EXTRACT(EPOCH FROM a."leaseExpiresAt" - now()) * 1000)::int END AS "activeLeaseRemainingMs"
     FROM hb
     LEFT JOIN LATERAL (
       SELECT a.id, a."leaseExpiresAt" FROM "Node" a
       WHERE NOT (hb.renewed AND hb.exclusive) AND a."clusterId" = hb."clusterId" AND a.role = 'ACTIVE' AND a.exclusive
       LIMIT 1
     ) a ON true`;
}

const LIGHT_STANDBY_BEAT = lightStandbyStatement();
const LIGHT_ACTIVE_BEAT = lightActiveStatement();

/**
 * A lease renewal is a durable commit: were it lost in a database crash, the lease would end
 * earlier in the database than the active believes, and another node could be elected while it
 * still acts. So the active's beat waits for the WAL flush like every role change.
 */
const ACTIVE_BEAT = activeStatement();

/**
 * A standby's beat writes only its liveness and metrics, so it commits without waiting for the
 * WAL flush (synchronous_commit off for this transaction alone): the flush wait and its lock are
 * most of a small commit's cost, and standbys are most of the beats. A crash can lose only the
 * last few hundred milliseconds of such beats (the node looks that much older), and never a
 * decision taken on one: WAL is flushed in order, so any durable commit that read a beat, such as
 * a switchover seeing its target alive, flushes that beat with it.
 */
const STANDBY_BEAT = standbyStatement();

/** The exact statements, for benchmarks that replay them with another client (bench/heartbeat-cost.ts). */
export const HEARTBEAT_STATEMENTS = {
  active: ACTIVE_BEAT,
  standby: STANDBY_BEAT,
  lightActive: LIGHT_ACTIVE_BEAT,
  lightStandby: LIGHT_STANDBY_BEAT,
};
