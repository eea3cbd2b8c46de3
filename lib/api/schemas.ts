import { z } from "zod";
import { passwordSchema } from "../auth/password";
import { AUDIT_ACTIONS } from "../cluster/audit-actions";
import { CLUSTER_STATUSES } from "../cluster/cluster-status";
import { FLAP_DAMPING_BOUNDS as FLAP } from "../cluster/flap-damping-bounds";
import { PRIORITY_MAX } from "../cluster/priority";

// Names as agents register them (--cluster / --node): bounded, no spaces or slashes.
export const nameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");

export const clusterParamsSchema = z.object({ name: nameSchema });
/** A service of a cluster, named as its agents name it (the node name rule). */
export const serviceSchema = nameSchema.meta({ description: "the service of the cluster; left out: the cluster's only service (see each operation)" });
/** `?service=` on the routes that address one service of a cluster. */
export const serviceQuerySchema = z.object({ service: serviceSchema.optional() });
/**
 * GET /clusters: the list filtered, sorted and paged on the server (the console's list asks for one
 * page, problems first). Nothing set: every cluster, by name.
 */
export const clusterListQuerySchema = z.object({
  q: z.string().max(64).optional().meta({ description: "clusters whose name contains this (case-insensitive)" }),
  status: z.enum(CLUSTER_STATUSES).optional(),
  sort: z.enum(["name", "status"]).default("name").meta({ description: "status: no-active first, then degraded, then ok; ties by name" }),
  offset: z.coerce.number().int().min(0).max(100_000).default(0).meta({ description: "skip this many matching clusters" }),
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: "at most this many clusters; left out: every matching cluster" }),
});
/**
 * GET /clusters/{name}: the node list filtered, sorted and paged on the server (the cluster page of
 * a 1,000-node cluster asks for the screenful it shows). Nothing set: every node, by name.
 */
export const clusterDetailQuerySchema = serviceQuerySchema.extend({
  q: z.string().max(100).optional().meta({ description: "nodes whose name or host contains this (case-insensitive)" }),
  role: z.enum(["ACTIVE", "STANDBY"]).optional(),
  health: z.enum(["healthy", "suspect", "down"]).optional(),
  sort: z
    .enum(["name", "priority", "role", "health", "heartbeat"])
    .default("name")
    .meta({ description: "role: ACTIVE first; health: healthy, suspect, down; heartbeat: freshest first (never last); ties by name" }),
  order: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(100_000).default(0).meta({ description: "skip this many matching nodes" }),
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: "at most this many nodes; left out: every matching node" }),
});
/** GET .../commands: one service's (or, left out, every service's) newest commands. */
export const commandsQuerySchema = serviceQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(500).default(50) });
export const nodeParamsSchema = z.object({ name: nameSchema, node: nameSchema });
export const commandParamsSchema = z.object({ name: nameSchema, id: z.uuid() });

export const COMMAND_KINDS = ["PROMOTE", "DEMOTE", "SWITCHOVER"] as const;

export const requestCommandSchema = z.strictObject({
  kind: z.enum(COMMAND_KINDS),
  targetNode: nameSchema,
  reason: z.string().max(500).optional(),
  timeoutMs: z.number().int().min(1_000).max(600_000).optional(),
  /** Switch over to or promote a node whose checks fail or that is isolated (ADMIN only; audited as forced). */
  force: z.boolean().optional(),
  /** The service, as ?service= says it too (both: they must agree). */
  service: serviceSchema.optional(),
});
export type RequestCommandBody = z.infer<typeof requestCommandSchema>;

export const updateClusterSchema = z
  .strictObject({
    paused: z.boolean().optional(),
    failoverMode: z.enum(["AUTOMATIC", "MANUAL"]).optional(),
    heartbeatMs: z.number().int().min(50).max(60_000).optional(),
    leaseMs: z.number().int().min(100).max(600_000).optional(),
    /** Demote budget: checked with heartbeatMs and leaseMs as a whole (timingProblem) under the cluster lock. */
    demoteTimeoutMs: z.number().int().min(0).max(600_000).optional(),
    /** Flap damping (bounds as the database's Cluster_check_settings CHECK). */
    checkHoldOffMs: z.number().int().min(FLAP.checkHoldOffMs.min).max(FLAP.checkHoldOffMs.max).optional(),
    failoverLimit: z.number().int().min(FLAP.failoverLimit.min).max(FLAP.failoverLimit.max).optional(),
    failoverWindowMs: z.number().int().min(FLAP.failoverWindowMs.min).max(FLAP.failoverWindowMs.max).optional(),
    reason: z.string().max(500).optional(),
  })
  .refine((b) => Object.entries(b).some(([k, v]) => k !== "reason" && v !== undefined), {
    message: "nothing to change: send paused, failoverMode, heartbeatMs, leaseMs, demoteTimeoutMs, checkHoldOffMs, failoverLimit or failoverWindowMs",
  });
export type UpdateClusterBody = z.infer<typeof updateClusterSchema>;

export const updateNodeSchema = z
  .strictObject({
    maintenance: z.boolean().optional(),
    priority: z.number().int().min(0).max(PRIORITY_MAX).optional(),
    reason: z.string().max(500).optional(),
  })
  .refine((b) => b.maintenance !== undefined || b.priority !== undefined, { message: "nothing to change: send maintenance or priority" });
export type UpdateNodeBody = z.infer<typeof updateNodeSchema>;

/** DELETE of a node: the body is optional; when sent, only a reason. */
export const removeNodeSchema = z.strictObject({ reason: z.string().max(500).optional() });
export type RemoveNodeBody = z.infer<typeof removeNodeSchema>;

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const auditQuerySchema = z.object({
  cluster: nameSchema.optional(),
  service: nameSchema.optional().meta({ description: "rows about this service (rows from before services count as main)" }),
  node: nameSchema.optional(),
  actor: z.string().min(1).max(255).optional().meta({ description: "case-insensitive substring of the actor, e.g. an email" }),
  action: z.enum(AUDIT_ACTIONS).optional(),
  from: isoDate.optional().meta({ description: "ISO 8601 time with offset, inclusive" }),
  to: isoDate.optional().meta({ description: "ISO 8601 time with offset, exclusive" }),
  /** Keyset paging: rows with an id below this one (ids are strings, BigInt). */
  before: z
    .string()
    .regex(/^[0-9]{1,19}$/, "an audit id")
    .transform(BigInt)
    .optional()
    .meta({ description: "keyset cursor: nextBefore of the previous page" }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
/** What the browser puts in the query string (values as typed, before parsing). */
export type AuditQueryInput = z.input<typeof auditQuerySchema>;

export const timelineQuerySchema = z.object({
  service: serviceSchema.optional(),
  from: isoDate.optional().meta({ description: "start; default one hour before to" }),
  to: isoDate.optional().meta({ description: "end; default now" }),
});
export type TimelineQueryInput = z.input<typeof timelineQuerySchema>;

/** CSV export: the same filters, up to 10 000 rows per file. */
export const auditCsvQuerySchema = auditQuerySchema.extend({ limit: z.coerce.number().int().min(1).max(10_000).default(10_000) });

// Users and API tokens (ADMIN manages users; everyone manages their own tokens).
const roleSchema = z.enum(["VIEWER", "OPERATOR", "ADMIN"]);
export const userParamsSchema = z.object({ id: z.uuid() });
export const tokenParamsSchema = z.object({ id: z.uuid() });

export const createUserSchema = z.strictObject({
  email: z.email().max(255),
  name: z.string().trim().max(100).optional(),
  role: roleSchema,
  /** Omit to have one generated and returned once. */
  password: passwordSchema.optional(),
});
export type CreateUserBody = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    name: z.string().trim().max(100).optional(),
    password: passwordSchema.optional(),
    /** Generate a new password and return it once. */
    resetPassword: z.literal(true).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change: send role, disabled, name, password or resetPassword" })
  .refine((b) => !(b.password && b.resetPassword), { message: "send either password or resetPassword, not both" });
export type UpdateUserBody = z.infer<typeof updateUserSchema>;

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: roleSchema,
  /** Refused this many days after creation; omit for a token that lasts until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenBody = z.infer<typeof createTokenSchema>;

/** POST /clusters/{name}/rebalance: the body is optional; when sent, only a reason. */
export const rebalanceRequestSchema = z.strictObject({ reason: z.string().max(500).optional() });
export type RebalanceRequestBody = z.infer<typeof rebalanceRequestSchema>;
