// The JSON shapes /api/v1 answers with, for the console's fetches and the CLI: inferred from the
// documented response schemas (lib/api/response-schemas.ts), so the two clients, the OpenAPI
// document and the tests' checks of real answers agree by construction.
import type { z } from "zod";
import type { ActiveTimeline } from "../cluster/active-timeline";
import type { ClusterDetail, CommandView } from "../cluster/get-cluster-detail";
import type { ClusterList, ClusterOverview } from "../cluster/get-cluster-overview";
import type { ClusterServices } from "../cluster/list-services";
import type { NodeView } from "../cluster/node-views";
import type { RebalanceView } from "../cluster/rebalance";
import type { createApiToken } from "../auth/create-api-token";
import type { listApiTokens } from "../auth/list-api-tokens";
import type { listUsers } from "../auth/list-users";
import type { updateUser } from "../auth/update-user";
import type { ChannelView } from "../notify/channel-view";
import type { DeliveryView } from "../notify/deliveries";
import type { channelSchema, deliverySchema } from "./notification-response-schemas";
import type { rebalanceSchema } from "./rebalance-response-schemas";
import type {
  activeTimelineSchema,
  apiTokenSchema,
  createdTokenSchema,
  auditEventSchema,
  auditPageSchema,
  clusterDetailSchema,
  clusterListSchema,
  clusterOverviewSchema,
  clusterServicesSchema,
  commandSchema,
  meSchema,
  nodeSchema,
  serverNodesSchema,
  userResultSchema,
  userSchema,
} from "./response-schemas";

export type ClusterOverviewJson = z.output<typeof clusterOverviewSchema>;
export type ClusterListJson = z.output<typeof clusterListSchema>;
export type ClusterDetailJson = z.output<typeof clusterDetailSchema>;
export type ClusterServicesJson = z.output<typeof clusterServicesSchema>;
/** One service in the cluster list (GET /clusters). */
export type ServiceOverviewJson = ClusterOverviewJson["services"][number];
/** A node change without a service on a cluster of several: the server's row in each. */
export type ServerNodesJson = z.output<typeof serverNodesSchema>;
export type NodeJson = z.output<typeof nodeSchema>;
export type CommandJson = z.output<typeof commandSchema>;
export type AuditEventJson = z.output<typeof auditEventSchema>;
export type AuditPageJson = z.output<typeof auditPageSchema>;
export type ActiveTimelineJson = z.output<typeof activeTimelineSchema>;
export type MeJson = z.output<typeof meSchema>;
export type ApiTokenJson = z.output<typeof apiTokenSchema>;
export type CreatedTokenJson = z.output<typeof createdTokenSchema>;
export type UserJson = z.output<typeof userSchema>;
export type UserResultJson = z.output<typeof userResultSchema>;
export type NotificationChannelJson = z.output<typeof channelSchema>;
export type NotificationDeliveryJson = z.output<typeof deliverySchema>;
export type RebalanceJson = z.output<typeof rebalanceSchema>;

/** A domain value as JSON.stringify sends it (lib/api/json.ts): BigInt and Date become strings. */
export type Jsonify<T> = T extends bigint | Date ? string : T extends (infer U)[] ? Jsonify<U>[] : T extends object ? { [K in keyof T]: Jsonify<T[K]> } : T;

// What the handlers return must fit the documented shapes: a domain field whose type drifts from
// its schema fails the typecheck here (fields the schemas lack fail the API tests' strict checks).
type Fits<Actual extends Documented, Documented> = Actual;
export type HandlersFitTheirSchemas = [
  Fits<Jsonify<ClusterOverview>, ClusterOverviewJson>,
  Fits<Jsonify<ClusterList>, ClusterListJson>,
  Fits<Jsonify<ClusterDetail>, Omit<ClusterDetailJson, "commands"> & { commands: Jsonify<CommandView>[] }>,
  Fits<Jsonify<NodeView>, NodeJson>,
  Fits<Jsonify<ClusterServices>, ClusterServicesJson>,
  // Command.forced reaches the JSON through the row's spread in commandView, not through CommandView.
  Fits<Jsonify<CommandView>, Omit<CommandJson, "forced">>,
  Fits<Jsonify<ActiveTimeline>, ActiveTimelineJson>,
  Fits<Jsonify<ChannelView>, NotificationChannelJson>,
  Fits<Jsonify<DeliveryView>, NotificationDeliveryJson>,
  Fits<Jsonify<RebalanceView>, RebalanceJson>,
  Fits<Jsonify<Awaited<ReturnType<typeof listApiTokens>>[number]>, ApiTokenJson>,
  Fits<Jsonify<Awaited<ReturnType<typeof createApiToken>>>, CreatedTokenJson>,
  Fits<Jsonify<Awaited<ReturnType<typeof listUsers>>[number]>, UserJson>,
  Fits<Jsonify<Awaited<ReturnType<typeof updateUser>>>, UserResultJson>,
];
