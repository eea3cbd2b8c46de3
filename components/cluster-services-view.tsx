"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { ClusterDetailJson, ClusterServicesJson, CommandJson } from "@/lib/api/api-types";
import { apiFetch } from "@/lib/api/client-fetch";
import type { RequestCommandBody } from "@/lib/api/schemas";
import { CommandPanel } from "./command-panel";
import { ConfirmCommandDialog } from "./confirm-command-dialog";
import type { PlannedCommand } from "./describe-command";
import { LiveIndicator } from "./live-indicator";
import { POLL_MS } from "./poll";
import { canOperate, useSessionUser } from "./providers";
import { ErrorState, LoadingState } from "./query-state";
import { RebalancePanel } from "./rebalance-panel";
import { ServiceMatrix } from "./service-matrix";
import { ServicePicker } from "./service-picker";

const errorText = (err: unknown) => (err instanceof Error ? err.message : "request failed");

type Switchover = { service: string; target: string };

/**
 * A cluster of several services, all at once: the server x service matrix, a switchover per
 * service (the same confirmation and command as a node's row, with `service`), and the rebalance.
 */
export function ClusterServicesView({ name, services }: { name: string; services: readonly string[] }) {
  const user = useSessionUser();
  const operator = canOperate(user);
  const queryClient = useQueryClient();
  const base = `/api/v1/clusters/${encodeURIComponent(name)}`;
  const query = useQuery({
    queryKey: ["services", name],
    queryFn: () => apiFetch<ClusterServicesJson>(`${base}/services`),
    refetchInterval: POLL_MS,
  });
  const [switchover, setSwitchover] = useState<Switchover | null>(null);
  const [tracked, setTracked] = useState<{ service: string; id: string } | null>(null);
  // The service the dialog or the progress panel is about: its detail, as its own page reads it.
  const focus = switchover?.service ?? tracked?.service ?? null;
  const qs = (service: string) => `?service=${encodeURIComponent(service)}`;
  const detail = useQuery({
    queryKey: ["cluster", name, focus],
    queryFn: () => apiFetch<ClusterDetailJson>(`${base}${qs(focus!)}`),
    enabled: focus !== null,
    refetchInterval: POLL_MS,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["services", name] });
    void queryClient.invalidateQueries({ queryKey: ["cluster", name] });
  };
  const command = useMutation({
    mutationFn: (v: Switchover & { reason: string; force: boolean }) =>
      apiFetch<CommandJson>(`${base}/commands${qs(v.service)}`, {
        method: "POST",
        json: {
          service: v.service,
          kind: "SWITCHOVER",
          targetNode: v.target,
          ...(v.reason ? { reason: v.reason } : {}),
          ...(v.force ? { force: true } : {}),
        } satisfies RequestCommandBody & { service: string },
      }),
    onSuccess: (c, v) => {
      setTracked({ service: v.service, id: c.id });
      setSwitchover(null);
      refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: (v: { service: string; id: string }) => apiFetch<CommandJson>(`${base}/commands/${v.id}/cancel${qs(v.service)}`, { method: "POST" }),
    onSuccess: refresh,
  });

  const target = switchover && detail.data?.nodes.find((n) => n.name === switchover.target);
  const planned: PlannedCommand | null = target ? { kind: "SWITCHOVER", target } : null;

  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/" className="text-sky-800 underline">
          Clusters
        </Link>{" "}
        / <span aria-current="page">{name}</span>
      </nav>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">Cluster {name}</h1>
        <span className="rounded bg-slate-200 px-2 py-0.5 text-sm">
          {services.length} services{query.data && ` on ${query.data.servers.length} servers`}
        </span>
        <span className="ml-auto">
          <LiveIndicator updatedAt={query.dataUpdatedAt} isError={query.isError} />
        </span>
      </div>
      <ServicePicker cluster={name} services={query.data?.services.map((s) => s.name) ?? services} selected={null} />

      {tracked && detail.data && (
        <div className="space-y-1">
          <p className="text-sm font-semibold">Service {tracked.service}</p>
          <CommandPanel
            commands={detail.data.commands.filter((c) => c.id === tracked.id)}
            nodes={detail.data.nodes}
            dbTime={detail.data.dbTime}
            dismissed={new Set()}
            trackedId={tracked.id}
            clockOffsetMs={new Date(detail.data.dbTime).getTime() - detail.dataUpdatedAt}
            canCancel={operator}
            cancelling={cancel.isPending}
            onCancel={(id) => cancel.mutate({ service: tracked.service, id })}
            onDismiss={() => setTracked(null)}
          />
        </div>
      )}
      {cancel.error && (
        <p role="alert" className="rounded bg-red-50 p-3 font-medium text-red-900 ring-1 ring-red-600">
          {errorText(cancel.error)}
        </p>
      )}

      <section aria-labelledby="matrix-heading">
        <h2 id="matrix-heading" className="mb-2 text-lg font-semibold">
          Servers and services
        </h2>
        {query.isPending && <LoadingState label={`services of ${name}`} />}
        {!query.data && query.isError && <ErrorState error={query.error} what={`the services of ${name}`} />}
        {query.data && (
          <ServiceMatrix
            data={query.data}
            receivedAt={query.dataUpdatedAt}
            canOperate={operator}
            onSwitchover={(service, node) => {
              command.reset();
              setSwitchover({ service, target: node });
            }}
          />
        )}
        {switchover && detail.isError && <ErrorState error={detail.error} what={`service ${switchover.service}`} />}
      </section>

      <RebalancePanel cluster={name} canOperate={operator} />

      <p>
        <Link href={`/audit?cluster=${encodeURIComponent(name)}`} className="text-sky-800 underline">
          Audit log and timelines for {name}
        </Link>
      </p>

      {detail.data && (
        <ConfirmCommandDialog
          planned={planned}
          detail={detail.data}
          pending={command.isPending}
          error={command.error ? errorText(command.error) : null}
          canForce={user.role === "ADMIN"}
          onConfirm={(reason, force) => switchover && command.mutate({ ...switchover, reason, force })}
          onClose={() => setSwitchover(null)}
        />
      )}
    </div>
  );
}
