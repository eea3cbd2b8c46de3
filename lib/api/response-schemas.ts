// The JSON bodies /api/v1 answers with, as zod schemas: the OpenAPI document's response schemas
// (lib/api/openapi.ts), the types the console's fetches and the CLI use (lib/api/api-types.ts), and
// what the API tests and the CLI check real answers against. Strict objects: a field the server
// sends but the document does not name fails those checks instead of going unnoticed.
import { z } from "zod";
import { CLUSTER_STATUSES } from "../cluster/cluster-status";
import { ERROR_STATUS } from "../errors";

const isoTime = z.iso.datetime({ offset: true });
/** BigInt values (epochs, audit ids) travel as decimal strings: JSON numbers lose precision past 2^53. */
const bigintString = z.string().regex(/^-?[0-9]+$/);
const uuid = z.uuid();
const userRole = z.enum(["VIEWER", "OPERATOR", "ADMIN"]);
const nodeRole = z.enum(["ACTIVE", "STANDBY"]);
const health = z.enum(["healthy", "suspect", "down"]).meta({ description: "from the heartbeat's age on the database clock" });
const checkStatus = z.enum(["PASSING", "FAILING", "UNKNOWN"]);
const serviceMode = z.enum(["ONE", "ALL"]).meta({ description: "ONE: one node serves at a time (one lease); ALL: every healthy, eligible node serves" });
const serviceName = z.string().meta({ description: "the service of the cluster (a cluster of one service has one, usually main)" });
export const COMMAND_STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"] as const;
/** A command in one of these has ended and changes no more. */
export const TERMINAL_COMMAND_STATUSES: readonly string[] = ["SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"];

export const errorResponseSchema = z
  .strictObject({ error: z.strictObject({ code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]), message: z.string() }) })
  .meta({ id: "Error", description: "Every refusal: { error: { code, message } }" });

export const nodeCheckSchema = z
  .strictObject({
    name: z.string().meta({ description: "as named on the agent's command line (name=...), or http, tcp, cmd, gateway" }),
    status: checkStatus,
    since: z.string().meta({ description: "ISO time of its last status change (agent clock)" }),
    output: z.string().meta({ description: "last output, at most 300 characters" }),
  })
  .meta({ id: "NodeCheck", description: "One health check of a node, as its agent last reported it." });

export const nodeSchema = z
  .strictObject({
    id: uuid,
    clusterId: uuid.meta({ description: "the id of the service row this node row belongs to" }),
    service: serviceName,
    name: z.string(),
    host: z.string(),
    agentVersion: z.string(),
    role: nodeRole,
    priority: z.int().meta({ description: "election priority, 0 = never promoted automatically" }),
    maintenance: z.boolean(),
    health,
    heartbeatAgeMs: z.number().nullable().meta({ description: "null when it never heartbeated" }),
    leaseRemainingMs: z.number().nullable().meta({ description: "negative once lapsed; null without a lease" }),
    activeEpoch: bigintString.nullable(),
    startedAt: isoTime.nullable(),
    holdRemainingMs: z.number().nullable().meta({ description: "held off elections this much longer; null when not held" }),
    metrics: z.unknown().meta({ description: "small figures the agent reports (JSON), or null" }),
    checkStatus: checkStatus.meta({ description: "FAILING if any check fails; PASSING if all pass or it runs none" }),
    isolated: z.boolean().meta({ description: "its gateway check fails: never promoted; an active steps down" }),
    checkSince: isoTime.nullable(),
    checks: z.array(nodeCheckSchema),
  })
  .meta({ id: "Node" });

const hookOutcomeSchema = z
  .strictObject({
    node: z.string(),
    ok: z.boolean(),
    ms: z.number().meta({ description: "how long it ran" }),
    error: z.string().optional().meta({ description: "exit code N | killed by SIGNAL | timed out after N ms | killed at the lease deadline | skipped: ..." }),
  })
  .meta({ id: "HookOutcome", description: "How one hook run ended (never the hook's output)." });

export const commandSchema = z
  .strictObject({
    id: uuid,
    service: serviceName,
    kind: z.enum(["PROMOTE", "DEMOTE", "SWITCHOVER"]),
    status: z.enum(COMMAND_STATUSES).meta({ description: "RUNNING from the moment the old active starts stepping down; only PENDING can be cancelled" }),
    targetNode: z.string(),
    requestedBy: z.string(),
    reason: z.string(),
    error: z.string().nullable().meta({ description: "why it failed, expired or was cancelled" }),
    createdAt: isoTime,
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    deadline: isoTime,
    hookOutcomes: z.strictObject({ demote: hookOutcomeSchema.optional(), promote: hookOutcomeSchema.optional() }).nullable(),
    forced: z.boolean().meta({ description: "an ADMIN forced it onto a target whose checks fail" }),
  })
  .meta({ id: "Command" });

export const commandListSchema = z
  .strictObject({ commands: z.array(commandSchema).meta({ description: "newest first, each with its service" }) })
  .meta({ id: "CommandList" });

export const clusterDetailSchema = z
  .strictObject({
    dbTime: isoTime.meta({ description: "database time of the snapshot" }),
    cluster: z.strictObject({
      id: uuid.meta({ description: "the id of this service's row" }),
      name: z.string(),
      service: serviceName.meta({ description: "the service this detail is about: settings, nodes and commands are its own" }),
      mode: serviceMode,
      minActive: z.int().meta({ description: "mode ALL: fewer serving nodes than this is audited (service.below_minimum)" }),
      services: z.array(z.string()).meta({ description: "every service of the cluster, by name" }),
      failoverMode: z.enum(["AUTOMATIC", "MANUAL"]),
      paused: z.boolean(),
      heartbeatMs: z.int(),
      leaseMs: z.int(),
      demoteTimeoutMs: z.int().meta({ description: "demote budget" }),
      checkHoldOffMs: z.int(),
      failoverLimit: z.int().meta({ description: "0 = no limit" }),
      failoverWindowMs: z.int(),
      epoch: bigintString,
      pausedReason: z.string().nullable().meta({ description: "why flap damping paused it; null when an operator did, or not paused" }),
    }),
    nodes: z.array(nodeSchema).meta({ description: "the nodes the query asked for: every node, by name, when it set no filter, sort or page" }),
    nodeCounts: z
      .strictObject({
        total: z.int(),
        matching: z.int().meta({ description: "nodes the filter (q, role, health) keeps, before offset and limit" }),
        active: z.int(),
        serving: z.int().meta({ description: "ACTIVE with a valid lease" }),
        healthy: z.int(),
        suspect: z.int(),
        down: z.int(),
        maintenance: z.int(),
        failing: z.int().meta({ description: "checkStatus FAILING" }),
        isolated: z.int(),
      })
      .meta({ id: "NodeCounts", description: "counted over all of the service's nodes, whatever the filter and page" }),
    nodePage: z
      .strictObject({
        offset: z.int(),
        limit: z.int().nullable().meta({ description: "null: no limit" }),
        sort: z.enum(["name", "priority", "role", "health", "heartbeat"]),
        order: z.enum(["asc", "desc"]),
      })
      .meta({ description: "what was applied to nodes" }),
    keyNodes: z
      .array(nodeSchema)
      .meta({ description: "the ACTIVE node(s) (at most 10) and the standby an election would pick next, whatever the filter or page shows" }),
    commands: z.array(commandSchema).meta({ description: "newest first: every open command plus the most recent finished ones" }),
  })
  .meta({ id: "ClusterDetail" });

const serviceOverviewSchema = z
  .strictObject({
    name: z.string(),
    mode: serviceMode,
    minActive: z.int(),
    serving: z.int().meta({ description: "nodes holding a valid lease (mode ONE: 0 or 1)" }),
    belowMinimum: z.boolean().meta({ description: "fewer serving than minActive (mode ONE: no active with a valid lease)" }),
    active: z.string().nullable().meta({ description: "mode ONE: the ACTIVE node, whatever its health; null in mode ALL or with none" }),
  })
  .meta({ id: "ServiceOverview" });

export const clusterOverviewSchema = z
  .strictObject({
    id: uuid.meta({ description: "the service row's id (a cluster of several services: the first service's by name)" }),
    name: z.string(),
    failoverMode: z.enum(["AUTOMATIC", "MANUAL"]).meta({ description: "a cluster of several services: MANUAL if any service is" }),
    paused: z.boolean().meta({ description: "automatic failover paused (a cluster of several services: in any service)" }),
    epoch: bigintString.meta({ description: "fencing epoch (a cluster of several services: the first service's)" }),
    heartbeatMs: z.int().meta({ description: "a cluster of several services: the first service's" }),
    leaseMs: z.int().meta({ description: "a cluster of several services: the first service's" }),
    active: z
      .strictObject({ name: z.string(), health, leaseRemainingMs: z.number().nullable() })
      .nullable()
      .meta({ description: "the ACTIVE node of a cluster of one ONE-mode service, whatever its health; null otherwise (see services)" }),
    nodeCount: z.int().meta({ description: "servers (a server counts once, whatever its services)" }),
    standbyCount: z.int().meta({ description: "a cluster of several services: the fewest of any service" }),
    eligibleStandbyCount: z
      .int()
      .meta({ description: "standbys automatic failover could choose now (a cluster of several services: the fewest of any service)" }),
    health: z
      .strictObject({ healthy: z.int(), suspect: z.int(), down: z.int() })
      .meta({ description: "servers by health (a server's worst over its services)" }),
    checks: z.strictObject({ failing: z.int(), isolated: z.int() }).meta({ description: "servers whose checks fail, or that are isolated, in any service" }),
    openCommand: z
      .strictObject({ id: uuid, service: z.string(), kind: z.string(), status: z.string(), targetNode: z.string() })
      .nullable()
      .meta({ description: "the open command (a cluster of several services: the first service's that has one)" }),
    status: z.enum(CLUSTER_STATUSES).meta({
      description:
        "no-active: a service with no live active (mode ALL: none serving); degraded: a server down, late, failing its checks or isolated, or a mode ALL service below its minimum; else ok",
    }),
    services: z.array(serviceOverviewSchema).meta({ description: "every service of the cluster, by name" }),
  })
  .meta({ id: "ClusterOverview", description: "One cluster: the service rows sharing its name. A cluster of one service reads as before services." });

export const clusterListSchema = z.strictObject({
  clusters: z.array(clusterOverviewSchema).meta({ description: "the clusters the query asked for (every cluster, by name, when it set nothing)" }),
  counts: z
    .strictObject({ total: z.int(), matching: z.int(), byStatus: z.record(z.enum(CLUSTER_STATUSES), z.int()) })
    .meta({ description: "counted over every cluster, whatever the filter and page (matching: what the filter keeps)" }),
  page: z.strictObject({ offset: z.int(), limit: z.int().nullable(), sort: z.enum(["name", "status"]) }),
});

export const auditEventSchema = z
  .strictObject({
    id: bigintString,
    at: isoTime,
    actor: z.string().meta({ description: "user:<email>, agent:<cluster>/<node> or system" }),
    action: z.string(),
    clusterId: uuid.nullable(),
    clusterName: z.string().nullable(),
    service: z
      .string()
      .nullable()
      .meta({ description: "the service of the cluster the row is about; null on rows about no cluster and rows written before services" }),
    nodeId: uuid.nullable(),
    nodeName: z.string().nullable(),
    fromRole: nodeRole.nullable(),
    toRole: nodeRole.nullable(),
    epoch: bigintString.nullable(),
    commandId: uuid.nullable(),
    reason: z.string(),
    details: z.unknown().meta({ description: "JSON, or null" }),
  })
  .meta({ id: "AuditEvent" });

export const auditPageSchema = z
  .strictObject({ events: z.array(auditEventSchema), nextBefore: bigintString.nullable().meta({ description: "pass as before for the next page" }) })
  .meta({ id: "AuditPage" });

export const activeTimelineSchema = z
  .strictObject({
    cluster: z.string(),
    service: z.string().nullable().meta({ description: "null for a cluster removed since, read over all its services" }),
    from: isoTime,
    to: isoTime,
    nodes: z.array(z.string()),
    intervals: z.array(z.strictObject({ node: z.string(), from: isoTime, to: isoTime, ongoing: z.boolean(), epoch: bigintString.nullable() })),
  })
  .meta({ id: "ActiveTimeline", description: "which node was active when, from the audit log; gaps had no active node" });

export const removedNodeSchema = z.strictObject({
  removed: z.strictObject({ cluster: z.string(), node: z.string(), services: z.array(z.string()).meta({ description: "the services it was removed from" }) }),
});

const serviceMemberSchema = z
  .strictObject({
    node: z.string(),
    role: nodeRole,
    health,
    leaseRemainingMs: z.number().nullable().meta({ description: "negative once lapsed; null without a lease" }),
    checkStatus,
    maintenance: z.boolean(),
    priority: z.int(),
  })
  .meta({ id: "ServiceMember", description: "One server's node row in one service." });

export const clusterServicesSchema = z
  .strictObject({
    cluster: z.string(),
    servers: z.array(z.string()).meta({ description: "every server (node name) with a row in any service, by name" }),
    services: z.array(
      z
        .strictObject({
          name: z.string(),
          mode: serviceMode,
          minActive: z.int(),
          epoch: bigintString,
          failoverMode: z.enum(["AUTOMATIC", "MANUAL"]),
          paused: z.boolean(),
          serving: z.int().meta({ description: "nodes holding a valid lease (mode ONE: 0 or 1)" }),
          belowMinimum: z.boolean().meta({ description: "fewer serving than minActive (mode ONE: no active with a valid lease)" }),
          members: z.array(serviceMemberSchema).meta({ description: "the servers with a row in this service, by name" }),
        })
        .meta({ id: "ServiceSummary" }),
    ),
  })
  .meta({ id: "ClusterServices", description: "The server x service matrix of a cluster" });

/** A node change without a service on a cluster of several services: the server's row in each. */
export const serverNodesSchema = z
  .strictObject({ cluster: z.string(), node: z.string(), nodes: z.array(nodeSchema).meta({ description: "the server's row in each of its services" }) })
  .meta({ id: "ServerNodes" });

export const meSchema = z.strictObject({ email: z.string(), role: userRole });

const tokenFields = {
  id: uuid,
  name: z.string(),
  role: userRole,
  prefix: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable().meta({ description: "refused from then on; null: until revoked" }),
};
export const apiTokenSchema = z
  .strictObject({ ...tokenFields, lastUsedAt: isoTime.nullable(), revokedAt: isoTime.nullable() })
  .meta({ id: "ApiToken", description: "never the secret" });
export const tokenListSchema = z.strictObject({ tokens: z.array(apiTokenSchema) });
export const createdTokenSchema = z.strictObject({ ...tokenFields, secret: z.string().meta({ description: "fct_...: shown this once only" }) });
export const revokedTokenSchema = z.strictObject({ id: uuid, name: z.string(), revokedAt: isoTime.nullable() });

export const userSchema = z
  .strictObject({ id: uuid, email: z.string(), name: z.string(), role: userRole, disabled: z.boolean(), createdAt: isoTime })
  .meta({ id: "User" });
export const userListSchema = z.strictObject({ users: z.array(userSchema) });
export const userResultSchema = z.strictObject({
  user: userSchema,
  generatedPassword: z.string().optional().meta({ description: "when the console generated one: shown this once only" }),
});
