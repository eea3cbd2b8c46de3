// The JSON shapes the browser receives: the domain types with BigInt and Date as strings.
import type { ActiveTimeline } from "../cluster/active-timeline";
import type { ClusterDetail, CommandView } from "../cluster/get-cluster-detail";
import type { ClusterOverview } from "../cluster/get-cluster-overview";
import type { AuditEvent } from "../db/client";
import type { NodeView } from "../cluster/node-views";

export type Jsonify<T> = T extends bigint | Date ? string : T extends (infer U)[] ? Jsonify<U>[] : T extends object ? { [K in keyof T]: Jsonify<T[K]> } : T;

export type ClusterOverviewJson = Jsonify<ClusterOverview>;
export type ClusterDetailJson = Jsonify<ClusterDetail>;
export type NodeJson = Jsonify<NodeView>;
export type CommandJson = Jsonify<CommandView>;
export type AuditEventJson = Jsonify<Omit<AuditEvent, "details">> & { details: unknown };
export type AuditPageJson = { events: AuditEventJson[]; nextBefore: string | null };
export type ActiveTimelineJson = Jsonify<ActiveTimeline>;
