/** A cluster's one word in the list (see ClusterOverview.status); no-active is the worst. */
export const CLUSTER_STATUSES = ["ok", "degraded", "no-active"] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];
