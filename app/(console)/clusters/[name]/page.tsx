import { notFound } from "next/navigation";
import { ClusterView } from "@/components/cluster-view";
import { nameSchema } from "@/lib/api/schemas";
import { requirePageUser } from "@/lib/auth/page-user";
import { db } from "@/lib/db/client";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return { title: `${decodeURIComponent(name)} · Failover Console` };
}

export default async function ClusterPage({ params }: { params: Promise<{ name: string }> }) {
  await requirePageUser(); // before the lookup: whether a cluster exists is not for the signed-out
  const name = decodeURIComponent((await params).name);
  if (!nameSchema.safeParse(name).success) notFound();
  const cluster = await db().cluster.findFirst({ where: { name }, select: { id: true } });
  if (!cluster) notFound();
  return <ClusterView name={name} />;
}
