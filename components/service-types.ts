// The JSON of the services API (GET /clusters/{name}/services, the `services` of GET /clusters,
// the rebalance), as the console reads it. Declared here from the API's contract until
// lib/api/api-types.ts names these shapes; the fields are the documented ones.
import type { CheckStatus } from "@/lib/cluster/check-state";
import type { NodeHealth } from "@/lib/cluster/timing";

export type ServiceMode = "ONE" | "ALL";

/** One server's node of a service. */
export type ServiceMemberJson = {
  node: string;
  role: "ACTIVE" | "STANDBY";
  health: NodeHealth;
  leaseRemainingMs: number | null;
  checkStatus: CheckStatus;
  maintenance: boolean;
  priority: number;
};

export type ServiceJson = {
  name: string;
  mode: ServiceMode;
  minActive: number;
  epoch: string;
  failoverMode: "AUTOMATIC" | "MANUAL";
  paused: boolean;
  /** How many nodes hold a valid lease (ONE mode: 0 or 1). */
  serving: number;
  belowMinimum: boolean;
  members: ServiceMemberJson[];
};

export type ClusterServicesJson = { cluster: string; servers: string[]; services: ServiceJson[] };

/** A service in the cluster list (GET /clusters). `active`: the active node of a ONE-mode service. */
export type ServiceSummaryJson = { name: string; mode: ServiceMode; minActive: number; serving: number; belowMinimum: boolean; active: string | null };

export type RebalanceMoveJson = { service: string; from: string | null; to: string; commandId: string | null; status: string };
export type RebalanceJson = { id: string; status: string; moves: RebalanceMoveJson[]; error: string | null };

/** What a cluster's detail (`cluster` of GET /clusters/{name}?service=) says of its service. */
export type ServiceDetailFields = { service?: string; mode?: ServiceMode; minActive?: number; services?: string[] };
/** A cluster detail whose `cluster` carries ServiceDetailFields. */
export type ServiceDetail<D extends { cluster: object }> = Omit<D, "cluster"> & { cluster: D["cluster"] & ServiceDetailFields };
