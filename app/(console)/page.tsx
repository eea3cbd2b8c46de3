import { ClusterOverviewList } from "@/components/cluster-overview-list";

export const metadata = { title: "Clusters · Failover Console" };

export default function ClustersPage() {
  return <ClusterOverviewList />;
}
