import { z } from "zod";
import { ERROR_STATUS } from "../errors";
import { removeNodeSchema, requestCommandSchema, updateClusterSchema, updateNodeSchema } from "./schemas";

const body = (schema: z.ZodType) => ({
  required: true,
  content: { "application/json": { schema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) } },
});
const ok = (description: string, schema: object = { type: "object" }) => ({ description, content: { "application/json": { schema } } });
const errorRef = { $ref: "#/components/schemas/Error" };
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: Object.entries(ERROR_STATUS)
          .filter(([, s]) => s === c)
          .map(([k]) => k)
          .join(" or "),
        content: { "application/json": { schema: errorRef } },
      },
    ]),
  );
const pathParam = (name: string, description: string, format?: string) => ({
  name,
  in: "path",
  required: true,
  description,
  schema: { type: "string", ...(format ? { format } : {}) },
});
const query = (name: string, description: string, schema: object = { type: "string" }) => ({ name, in: "query", required: false, description, schema });
const cluster = pathParam("name", "cluster name");
const auditFilters = [
  query("cluster", "cluster name"),
  query("node", "node name"),
  query("actor", "substring of the actor, e.g. an email"),
  query("action", "audit action, e.g. command.requested"),
  query("from", "ISO 8601 time with offset, inclusive", { type: "string", format: "date-time" }),
  query("to", "ISO 8601 time with offset, exclusive", { type: "string", format: "date-time" }),
  query("before", "keyset cursor: nextBefore of the previous page"),
];
const read = [401, 422, 503, 500];
const write = [400, 401, 403, 404, 409, 422, 503, 500];

/** OpenAPI 3.1 description of /api/v1 (bodies generated from the same zod schemas the routes use). */
export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "Failover console API",
      version: "1",
      description: "Every route needs a session cookie (next-auth). BigInt values (epoch, audit id) are strings. Errors are { error: { code, message } }.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: { session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" }, metricsToken: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { enum: Object.keys(ERROR_STATUS) }, message: { type: "string" } },
            },
          },
        },
        HookOutcome: {
          type: "object",
          description: "How one hook run ended, as the agent recorded it (never the hook's output).",
          required: ["node", "ok", "ms"],
          properties: {
            node: { type: "string" },
            ok: { type: "boolean" },
            ms: { type: "integer", description: "how long it ran" },
            error: {
              type: "string",
              description: "exit code N | killed by SIGNAL | timed out after N ms | killed at the lease deadline | skipped: ...",
            },
          },
        },
        Command: {
          type: "object",
          required: [
            "id",
            "kind",
            "status",
            "targetNode",
            "requestedBy",
            "reason",
            "error",
            "createdAt",
            "startedAt",
            "finishedAt",
            "deadline",
            "hookOutcomes",
          ],
          properties: {
            id: { type: "string", format: "uuid" },
            kind: { enum: ["PROMOTE", "DEMOTE", "SWITCHOVER"] },
            status: {
              enum: ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"],
              description: "RUNNING from the moment the old active starts stepping down (its demote hook); only PENDING can be cancelled",
            },
            targetNode: { type: "string" },
            requestedBy: { type: "string" },
            reason: { type: "string" },
            error: { type: ["string", "null"] },
            createdAt: { type: "string", format: "date-time" },
            startedAt: { type: ["string", "null"], format: "date-time" },
            finishedAt: { type: ["string", "null"], format: "date-time" },
            deadline: { type: "string", format: "date-time" },
            hookOutcomes: {
              description: "the old active's demote hook and the target's promote hook, once they have run",
              oneOf: [
                { type: "null" },
                { type: "object", properties: { demote: { $ref: "#/components/schemas/HookOutcome" }, promote: { $ref: "#/components/schemas/HookOutcome" } } },
              ],
            },
          },
        },
        ClusterSettings: {
          type: "object",
          description: "part of ClusterDetail.cluster",
          properties: {
            failoverMode: { enum: ["AUTOMATIC", "MANUAL"] },
            paused: { type: "boolean" },
            heartbeatMs: { type: "integer" },
            leaseMs: { type: "integer" },
            demoteTimeoutMs: { type: "integer", description: "demote budget: the longest a demote hook may run when the active cannot renew" },
            checkHoldOffMs: {
              type: "integer",
              description: "flap damping: a node that stepped down for failing checks is held off elections this long (0-86400000)",
            },
            failoverLimit: {
              type: "integer",
              description:
                "flap damping: at most this many automatic failovers per failoverWindowMs, beyond which the cluster pauses itself (0 = no limit; 0-1000)",
            },
            failoverWindowMs: { type: "integer", description: "the window of failoverLimit (1000-86400000)" },
            pausedReason: { type: ["string", "null"], description: "why flap damping paused the cluster (null when an operator paused it, or not paused)" },
          },
        },
        NodeCheck: {
          type: "object",
          description: "One health check of a node, as its agent last reported it.",
          required: ["name", "status", "since", "output"],
          properties: {
            name: { type: "string", description: "as named on the agent's command line (name=...), or http, tcp, cmd, gateway" },
            status: { enum: ["PASSING", "FAILING", "UNKNOWN"] },
            since: { type: "string", description: "ISO time of its last status change (agent clock)" },
            output: { type: "string", description: "last output, at most 300 characters (HTTP 503, connection refused, a command's last lines)" },
          },
        },
        NodeChecks: {
          type: "object",
          description: "part of every node (ClusterDetail.nodes[], PATCH of a node)",
          properties: {
            checkStatus: { enum: ["PASSING", "FAILING", "UNKNOWN"], description: "FAILING if any check fails; PASSING if all pass or it runs none" },
            isolated: { type: "boolean", description: "its gateway check fails: never promoted; an active steps down" },
            checkSince: { type: ["string", "null"], format: "date-time", description: "when checkStatus or isolated last changed (database clock)" },
            checks: { type: "array", items: { $ref: "#/components/schemas/NodeCheck" } },
          },
        },
        ClusterOverviewChecks: {
          type: "object",
          description: "ClusterOverview.checks: nodes whose checks fail, nodes isolated (either makes status degraded)",
          properties: { failing: { type: "integer" }, isolated: { type: "integer" } },
        },
      },
    },
    security: [{ session: [] }],
    paths: {
      "/api/v1/clusters": {
        get: {
          summary:
            "Clusters with their active node, standby count, health summary and check summary (checks.failing, checks.isolated; status degraded when either is > 0) (VIEWER)",
          responses: { 200: ok("{ clusters: ClusterOverview[] }"), ...errors(...read) },
        },
      },
      "/api/v1/clusters/{name}": {
        parameters: [cluster],
        get: {
          summary:
            "Cluster detail: settings (ClusterSettings), nodes with health on the database clock and their checks (NodeChecks), recent and open commands (VIEWER)",
          responses: { 200: ok("ClusterDetail"), ...errors(404, ...read) },
        },
        patch: {
          summary:
            "Pause/resume automatic failover (OPERATOR); failover mode, timings and flap damping (ADMIN): heartbeatMs, leaseMs and demoteTimeoutMs are checked together (leaseMs > 2 x heartbeatMs + fencing margin + demoteTimeoutMs), 422 INVALID with the numbers otherwise; checkHoldOffMs, failoverLimit, failoverWindowMs",
          requestBody: body(updateClusterSchema),
          responses: { 200: ok("ClusterDetail"), ...errors(...write) },
        },
      },
      "/api/v1/clusters/{name}/commands": {
        parameters: [cluster],
        post: {
          summary:
            "Request PROMOTE, DEMOTE or SWITCHOVER of a node (OPERATOR); agents execute it. A target whose checks fail or that is isolated is refused (409 PRECONDITION_FAILED) unless force: true, which needs ADMIN (403 otherwise) and is audited as forced",
          requestBody: body(requestCommandSchema),
          responses: { 201: ok("Command", { $ref: "#/components/schemas/Command" }), ...errors(...write) },
        },
      },
      "/api/v1/clusters/{name}/commands/{id}": {
        parameters: [cluster, pathParam("id", "command id", "uuid")],
        get: {
          summary: "A command's status (PENDING, RUNNING, SUCCEEDED, FAILED, EXPIRED, CANCELLED) and error (VIEWER)",
          responses: { 200: ok("Command", { $ref: "#/components/schemas/Command" }), ...errors(404, ...read) },
        },
      },
      "/api/v1/clusters/{name}/commands/{id}/cancel": {
        parameters: [cluster, pathParam("id", "command id", "uuid")],
        post: {
          summary: "Cancel a PENDING command (OPERATOR)",
          responses: { 200: ok("Command", { $ref: "#/components/schemas/Command" }), ...errors(...write) },
        },
      },
      "/api/v1/clusters/{name}/nodes/{node}": {
        parameters: [cluster, pathParam("node", "node name")],
        patch: {
          summary: "Maintenance flag and election priority of a node (OPERATOR)",
          requestBody: body(updateNodeSchema),
          responses: { 200: ok("Node"), ...errors(...write) },
        },
        delete: {
          summary:
            "Remove (decommission) a node that is gone: a standby silent for longer than a lease, with no open command aimed at it; 409 otherwise (OPERATOR)",
          requestBody: { ...body(removeNodeSchema), required: false },
          responses: { 200: ok("{ removed: { cluster, node } }"), ...errors(...write) },
        },
      },
      "/api/v1/clusters/{name}/timeline": {
        parameters: [cluster],
        get: {
          summary: "Intervals of which node was active when, from the audit log (VIEWER)",
          parameters: [
            query("from", "start, default 1 h before to", { type: "string", format: "date-time" }),
            query("to", "end, default now", { type: "string", format: "date-time" }),
          ],
          responses: { 200: ok("ActiveTimeline"), ...errors(404, ...read) },
        },
      },
      "/api/v1/audit": {
        get: {
          summary: "Audit events, newest first, keyset-paged (VIEWER)",
          parameters: [...auditFilters, query("limit", "1 to 500, default 50", { type: "integer" })],
          responses: { 200: ok("{ events: AuditEvent[], nextBefore: string | null }"), ...errors(...read) },
        },
      },
      "/api/v1/audit.csv": {
        get: {
          summary: "The same filters as CSV (up to 10 000 rows) (VIEWER)",
          parameters: [...auditFilters, query("limit", "1 to 10000, default 10000", { type: "integer" })],
          responses: { 200: { description: "text/csv", content: { "text/csv": { schema: { type: "string" } } } }, ...errors(...read) },
        },
      },
      "/api/v1/me": { get: { summary: "The signed-in user's email and role", responses: { 200: ok("{ email, role }"), ...errors(401) } } },
      "/api/metrics": {
        get: {
          summary:
            "Prometheus text: nodes by cluster/role/health, check status and isolation per node, commands by status, failovers (session or METRICS_TOKEN bearer)",
          security: [{ session: [] }, { metricsToken: [] }],
          responses: { 200: { description: "text/plain; version=0.0.4", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(401, 503) },
        },
      },
    },
  };
}
