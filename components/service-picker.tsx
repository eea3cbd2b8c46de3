import Link from "next/link";

/** The page of one service of a cluster: linkable, and what the service picker selects. */
export const serviceHref = (cluster: string, service: string) => `/clusters/${encodeURIComponent(cluster)}?service=${encodeURIComponent(service)}`;

/** Tabs of a multi-service cluster's page: every service at once (the matrix), or one service's detail; the choice lives in the URL (?service=). */
export function ServicePicker({ cluster, services, selected }: { cluster: string; services: readonly string[]; selected: string | null }) {
  const tab = (current: boolean) =>
    `inline-block rounded-t px-3 py-1.5 text-sm font-medium focus-visible:outline-3 focus-visible:outline-sky-600 ${current ? "bg-slate-800 text-white" : "border border-b-0 border-slate-300 bg-white text-sky-800 hover:bg-slate-50"}`;
  return (
    <nav aria-label="Services" className="border-b-2 border-slate-800">
      <ul className="flex flex-wrap gap-1">
        <li>
          <Link href={`/clusters/${encodeURIComponent(cluster)}`} aria-current={selected === null ? "page" : undefined} className={tab(selected === null)}>
            All services
          </Link>
        </li>
        {services.map((s) => (
          <li key={s}>
            <Link href={serviceHref(cluster, s)} aria-current={selected === s ? "page" : undefined} className={tab(selected === s)}>
              {s}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
