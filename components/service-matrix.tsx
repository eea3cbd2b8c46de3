"use client";
import Link from "next/link";
import { CheckBadge, HealthBadge, RoleBadge } from "./badges";
import { formatDuration } from "./format";
import { serviceHref } from "./service-picker";
import type { ClusterServicesJson } from "@/lib/api/api-types";
import { useNow } from "./use-now";

type ServiceJson = ClusterServicesJson["services"][number];
type ServiceMemberJson = ServiceJson["members"][number];

type Props = {
  data: ClusterServicesJson;
  /** When the snapshot arrived (browser clock); leases tick down from there until the next poll. */
  receivedAt: number;
  canOperate: boolean;
  onSwitchover: (service: string, target: string) => void;
};

/** "2 of 3 serving (minimum 2)": an active-active service's serving count. */
export const servingText = (serving: number, members: number, minActive: number) => `${serving} of ${members} serving (minimum ${minActive})`;

/** The standby a switchover of a ONE-mode service goes to: the one an election would pick (healthy, eligible, highest priority, then name). */
export function switchoverTarget(service: ServiceJson): ServiceMemberJson | undefined {
  return service.members
    .filter((m) => m.role === "STANDBY" && m.health === "healthy" && !m.maintenance && m.priority > 0 && m.checkStatus !== "FAILING")
    .sort((a, b) => b.priority - a.priority || a.node.localeCompare(b.node))[0];
}

const button =
  "rounded px-3 py-1 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-offset-1 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:opacity-50";

function ServiceHeader({
  cluster,
  service,
  canOperate,
  onSwitchover,
}: {
  cluster: string;
  service: ServiceJson;
  canOperate: boolean;
  onSwitchover: Props["onSwitchover"];
}) {
  const active = service.members.find((m) => m.role === "ACTIVE");
  const target = service.mode === "ONE" ? switchoverTarget(service) : undefined;
  return (
    <th
      scope="col"
      data-service={service.name}
      data-below-minimum={service.belowMinimum}
      className={`px-3 py-2 align-top font-semibold ${service.belowMinimum ? "bg-red-50" : ""}`}
    >
      <Link href={serviceHref(cluster, service.name)} className="text-base text-sky-800 underline">
        {service.name}
      </Link>
      <span className="block text-xs font-normal text-slate-700">{service.mode === "ALL" ? "active-active (ALL)" : "one active (ONE)"}</span>
      {service.mode === "ALL" ? (
        <span data-testid="service-serving" className={`block text-sm ${service.belowMinimum ? "font-bold text-red-800" : "font-normal"}`}>
          {servingText(service.serving, service.members.length, service.minActive)}
          {service.belowMinimum && (
            <span className="ml-1 inline-block rounded bg-red-700 px-1.5 text-xs uppercase tracking-wide text-white">below minimum</span>
          )}
        </span>
      ) : (
        <span data-testid="service-active" className={`block text-sm ${active ? "font-normal" : "font-bold text-red-800"}`}>
          {active ? `active on ${active.node}` : "no active node"}
        </span>
      )}
      {service.paused && <span className="mt-1 inline-block rounded bg-amber-300 px-1.5 text-xs font-bold text-amber-950">failover paused</span>}
      {canOperate && service.mode === "ONE" && (
        <button
          type="button"
          disabled={!active || !target}
          title={!active ? "no node is active" : !target ? "no standby is eligible" : `switch ${service.name} over to ${target.node}`}
          aria-label={`Switch over ${service.name}`}
          onClick={() => target && onSwitchover(service.name, target.node)}
          className={`${button} mt-2 block bg-sky-700 text-white hover:bg-sky-800`}
        >
          Switch over
        </button>
      )}
    </th>
  );
}

function MemberCell({ service, member, elapsed }: { service: ServiceJson; member: ServiceMemberJson | undefined; elapsed: number }) {
  if (!member) {
    return (
      <td data-service={service.name} data-hosted="false" className="px-3 py-2 text-center text-slate-500">
        <span aria-hidden="true">–</span>
        <span className="sr-only">not hosted</span>
      </td>
    );
  }
  const lease = member.leaseRemainingMs === null ? null : member.leaseRemainingMs - elapsed;
  const active = member.role === "ACTIVE";
  return (
    <td
      data-service={service.name}
      data-hosted="true"
      data-role={member.role}
      data-health={member.health}
      className={`px-3 py-2 align-top ${member.health === "down" ? "bg-red-50" : active ? "bg-sky-50" : ""}`}
    >
      <span className="flex flex-wrap items-center gap-1">
        <RoleBadge role={member.role} serving={service.mode === "ALL"} />
        <HealthBadge health={member.health} />
      </span>
      <span className="mt-1 block">
        <CheckBadge status={member.checkStatus} isolated={false} title={`checks ${member.checkStatus.toLowerCase()}`} />
      </span>
      {lease !== null && (
        <span className="mt-1 block font-mono text-xs tabular-nums text-slate-700">
          lease {lease > 0 ? formatDuration(lease) : <span className="font-bold text-red-800">expired</span>}
        </span>
      )}
      {member.maintenance && <span className="mt-1 inline-block rounded bg-amber-200 px-1.5 text-xs font-semibold text-amber-950">maintenance</span>}
    </td>
  );
}

/** Servers (rows) by services (columns): who is active or serves what, each cell's health, lease and checks; a dash where a server does not host a service. */
export function ServiceMatrix({ data, receivedAt, canOperate, onSwitchover }: Props) {
  const elapsed = Math.max(0, useNow(250) - receivedAt);
  if (data.servers.length === 0) {
    return <p className="rounded border border-dashed border-slate-400 bg-white p-6">No servers in this cluster yet.</p>;
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-300 bg-white shadow-sm">
      <table className="w-full text-left" data-testid="service-matrix">
        <caption className="sr-only">Servers and the services they host: role, health, checks and lease left of each.</caption>
        <thead className="bg-slate-100 text-sm text-slate-800">
          <tr>
            <th scope="col" className="px-3 py-2 align-top font-semibold">
              Server
            </th>
            {data.services.map((s) => (
              <ServiceHeader key={s.name} cluster={data.cluster} service={s} canOperate={canOperate} onSwitchover={onSwitchover} />
            ))}
          </tr>
        </thead>
        <tbody>
          {data.servers.map((server) => (
            <tr key={server} data-server={server} className="border-t border-slate-200">
              <th scope="row" className="px-3 py-2 text-left align-top font-semibold">
                {server}
              </th>
              {data.services.map((s) => (
                <MemberCell key={s.name} service={s} member={s.members.find((m) => m.node === server)} elapsed={elapsed} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
