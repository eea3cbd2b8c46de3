"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client-fetch";
import type { CreateChannelBody } from "@/lib/notify/schemas";
import { formatTime } from "../format";
import { OneTimeSecret } from "../one-time-secret";
import { ActionError, ErrorState, LoadingState } from "../query-state";
import { ChannelForm } from "./channel-form";
import { DeliveryLog } from "./delivery-log";
import { button, errorText, type ChannelJson, type CreatedChannelJson } from "./types";

/** Where a channel sends, from the public half of its settings (secrets are never returned). */
function target(c: ChannelJson): string {
  const cfg = c.config as { url?: string; host?: string; port?: number; to?: string[] };
  if (c.type === "WEBHOOK") return cfg.url ?? "";
  if (c.type === "SLACK") return `${cfg.host ?? ""} (URL hidden)`;
  return `${(cfg.to ?? []).join(", ")} via ${cfg.host}:${cfg.port}`;
}

/** ADMIN: notification channels (webhook, Slack, e-mail), their filters, test messages and delivery logs. */
export function NotificationsAdmin() {
  const queryClient = useQueryClient();
  const channels = useQuery({
    queryKey: ["notifications"],
    queryFn: () => apiFetch<{ channels: ChannelJson[] }>("/api/v1/notifications"),
    refetchInterval: 5000,
  });
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["notifications"] });
  const fail = (e: unknown) => setError(errorText(e));
  const create = useMutation({
    mutationFn: ({ body }: { body: CreateChannelBody; reset: () => void }) =>
      apiFetch<CreatedChannelJson>("/api/v1/notifications", { method: "POST", json: body }),
    onSuccess: (r, { reset }) => {
      setError(null);
      reset();
      if (r.signingSecret) setSecret({ label: `Signing secret of ${r.channel.name}`, value: r.signingSecret });
      setOpen(r.channel.id);
      void refresh();
    },
    onError: fail,
  });
  const update = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => apiFetch(`/api/v1/notifications/${id}`, { method: "PATCH", json: { enabled } }),
    onSuccess: refresh,
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/v1/notifications/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
    onError: fail,
  });
  const test = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/v1/notifications/${id}/test`, { method: "POST" }),
    onSuccess: (_r, id) => {
      setOpen(id);
      void queryClient.invalidateQueries({ queryKey: ["notifications", id, "deliveries"] });
    },
    onError: fail,
  });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Notifications</h1>
        <p className="mt-1 text-slate-700">
          Failovers, nodes going down, failing checks and the like, sent as they happen to a signed webhook, a Slack-compatible incoming webhook or e-mail. Each
          event is delivered once per channel, retried with backoff while the receiver fails.
        </p>
      </div>
      {secret && <OneTimeSecret label={secret.label} value={secret.value} onDone={() => setSecret(null)} />}
      {error && <ActionError message={error} />}
      <ChannelForm pending={create.isPending} onCreate={(body, reset) => create.mutate({ body, reset })} />
      {channels.isPending && <LoadingState label="channels" />}
      {channels.isError && <ErrorState error={channels.error} what="channels" />}
      {channels.data?.channels.length === 0 && <p className="text-slate-600">No channels yet.</p>}
      {channels.data?.channels.map((c) => (
        <section key={c.id} data-channel={c.name} aria-label={`Channel ${c.name}`} className="rounded-lg border border-slate-300 bg-white">
          <div className="flex flex-wrap items-start gap-3 p-4">
            <div className="min-w-0 flex-1">
              <h2 className="text-lg font-semibold">
                {c.name} <span className="rounded bg-slate-200 px-1.5 py-0.5 align-middle text-xs font-semibold uppercase">{c.type.toLowerCase()}</span>
                {!c.enabled && <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 align-middle text-xs font-semibold text-amber-900">disabled</span>}
              </h2>
              <p className="truncate font-mono text-sm text-slate-700">{target(c)}</p>
              <p className="text-sm text-slate-700">
                {c.events.length} events; {c.clusters.length ? `clusters ${c.clusters.join(", ")}` : "every cluster"}; created {formatTime(c.createdAt)} by{" "}
                {c.createdBy.replace(/^user:/, "")}
              </p>
              <p className="text-sm text-slate-700">
                {c.deliveries.delivered} delivered, {c.deliveries.pending} pending, {c.deliveries.failed} failed
              </p>
            </div>
            <div className="flex flex-wrap gap-2">
              <button type="button" disabled={test.isPending} onClick={() => test.mutate(c.id)} className={`${button} bg-sky-700 text-white`}>
                Send test
              </button>
              <button
                type="button"
                onClick={() => setOpen(open === c.id ? null : c.id)}
                aria-expanded={open === c.id}
                className={`${button} border border-slate-600`}
              >
                Delivery log
              </button>
              <button
                type="button"
                disabled={update.isPending}
                onClick={() => update.mutate({ id: c.id, enabled: !c.enabled })}
                className={`${button} border border-slate-600`}
              >
                {c.enabled ? "Disable" : "Enable"}
              </button>
              <button
                type="button"
                disabled={remove.isPending}
                onClick={() => window.confirm(`Delete channel ${c.name} and its delivery log?`) && remove.mutate(c.id)}
                className={`${button} border border-red-700 text-red-800`}
              >
                Delete
              </button>
            </div>
          </div>
          {open === c.id && (
            <div className="border-t border-slate-200 p-4">
              <DeliveryLog channelId={c.id} channelName={c.name} onError={setError} />
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
