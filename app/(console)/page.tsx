import { ClusterOverviewList } from "@/components/cluster-overview-list";
import { requirePageUser } from "@/lib/auth/page-user";

export const metadata = { title: "Clusters · Failover Console" };

export default async function ClustersPage() {
  await requirePageUser();
  return <ClusterOverviewList />;
}
