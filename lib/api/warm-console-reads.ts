import { loadSessionUser } from "../auth/load-session-user";
import { getClusterDetail } from "../cluster/get-cluster-detail";
import { getClusterOverview } from "../cluster/get-cluster-overview";
import type { Prisma } from "../db/client";

/**
 * The reads behind the console's pages, once, on one connection (lib/db/warm-connections.ts): the
 * session's user, the cluster list in both orders, and the first cluster's detail with all its
 * nodes and with a page of them (its first service, so a cluster of several services is read too).
 */
export async function warmConsoleReads(tx: Prisma.TransactionClient): Promise<void> {
  await loadSessionUser({ prisma: tx, userId: "00000000-0000-0000-0000-000000000000", issuedAt: Date.now() });
  await getClusterOverview({ db: tx, query: { sort: "name", limit: 1 } });
  const [first] = (await getClusterOverview({ db: tx, query: { sort: "status", limit: 1 } })).clusters;
  if (!first) return;
  const ref = { db: tx, clusterName: first.name, service: first.services[0].name };
  await getClusterDetail({ ...ref, nodeQuery: {} });
  await getClusterDetail({ ...ref, nodeQuery: { sort: "name", order: "asc", offset: 0, limit: 50 } });
}
