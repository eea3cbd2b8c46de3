import { notFound } from "next/navigation";
import { ClusterServicesView } from "@/components/cluster-services-view";
import { ClusterView } from "@/components/cluster-view";
import { ServicePicker } from "@/components/service-picker";
import { nameSchema } from "@/lib/api/schemas";
import { requirePageUser } from "@/lib/auth/page-user";
import { db } from "@/lib/db/client";

type PageProps = { params: Promise<{ name: string }>; searchParams: Promise<{ service?: string | string[] }> };

export async function generateMetadata({ params, searchParams }: PageProps) {
  const { name } = await params;
  const { service } = await searchParams;
  return { title: `${decodeURIComponent(name)}${typeof service === "string" ? ` · ${service}` : ""} · Failover Console` };
}

/**
 * A cluster of one service: its detail, as always. A cluster of several: the server x service
 * matrix, or with ?service= that service's detail (node table, commands, settings).
 */
export default async function ClusterPage({ params, searchParams }: PageProps) {
  await requirePageUser(); // before the lookup: whether a cluster exists is not for the signed-out
  const name = decodeURIComponent((await params).name);
  if (!nameSchema.safeParse(name).success) notFound();
  const rows = await db().cluster.findMany({ where: { name }, select: { service: true }, orderBy: { service: "asc" } });
  if (rows.length === 0) notFound();
  const services = rows.map((r) => r.service);
  const { service } = await searchParams;
  if (services.length === 1) return <ClusterView name={name} />;
  if (typeof service !== "string") return <ClusterServicesView name={name} services={services} />;
  if (!services.includes(service)) notFound();
  return <ClusterView key={service} name={name} service={service} nav={<ServicePicker cluster={name} services={services} selected={service} />} />;
}
