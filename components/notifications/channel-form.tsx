"use client";
import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { apiFetch } from "@/lib/api/client-fetch";
import { NOTIFY_EVENT_GROUPS, NOTIFY_EVENTS, type ChannelType, type NotifyEvent } from "@/lib/notify/events";
import type { CreateChannelBody } from "@/lib/notify/schemas";
import { button, field } from "./types";

type Draft = {
  type: ChannelType;
  name: string;
  url: string;
  host: string;
  port: string;
  secure: boolean;
  username: string;
  password: string;
  from: string;
  to: string;
  events: NotifyEvent[];
  clusters: string[];
};

const EMPTY: Draft = {
  type: "WEBHOOK",
  name: "",
  url: "",
  host: "",
  port: "587",
  secure: false,
  username: "",
  password: "",
  from: "",
  to: "",
  events: [...NOTIFY_EVENTS],
  clusters: [],
};

/** The request body for a draft; the server checks it (422 names the field). */
function toBody(d: Draft): CreateChannelBody {
  const filters = { name: d.name, events: d.events, clusters: d.clusters };
  if (d.type === "EMAIL") {
    const to = d.to
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      type: "EMAIL",
      ...filters,
      host: d.host,
      port: Number(d.port),
      secure: d.secure,
      from: d.from,
      to,
      ...(d.username ? { username: d.username, password: d.password } : {}),
    };
  }
  return { type: d.type, ...filters, url: d.url };
}

function Labeled({ label, children, className = "" }: { label: string; children: ReactNode; className?: string }) {
  return (
    <label className={`text-sm font-medium ${className}`}>
      {label}
      {children}
    </label>
  );
}

/** New channel: type, where to, and what (events, clusters). */
export function ChannelForm({ pending, onCreate }: { pending: boolean; onCreate: (body: CreateChannelBody, reset: () => void) => void }) {
  const [d, setD] = useState<Draft>(EMPTY);
  const clusters = useQuery({ queryKey: ["clusters", "names"], queryFn: () => apiFetch<{ clusters: { name: string }[] }>("/api/v1/clusters") });
  const set = (patch: Partial<Draft>) => setD((old) => ({ ...old, ...patch }));
  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const input = (key: keyof Draft, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}, className = "") => (
    <Labeled label={label} className={className}>
      <input {...props} value={String(d[key])} onChange={(e) => set({ [key]: e.target.value })} className={`mt-1 w-full ${field}`} />
    </Labeled>
  );
  return (
    <form
      aria-label="Create a channel"
      className="space-y-4 rounded-lg border border-slate-300 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        onCreate(toBody(d), () => setD(EMPTY));
      }}
    >
      <div className="grid gap-3 sm:grid-cols-3">
        {input("name", "Channel name", { required: true, maxLength: 100, placeholder: "e.g. ops-webhook" })}
        <Labeled label="Type">
          <select value={d.type} onChange={(e) => set({ type: e.target.value as ChannelType })} className={`mt-1 w-full ${field}`}>
            <option value="WEBHOOK">Webhook (signed JSON)</option>
            <option value="SLACK">Slack-compatible incoming webhook</option>
            <option value="EMAIL">E-mail (SMTP)</option>
          </select>
        </Labeled>
        {d.type !== "EMAIL" && input("url", d.type === "SLACK" ? "Incoming webhook URL" : "URL", { required: true, placeholder: "https://…" })}
      </div>
      {d.type === "EMAIL" && (
        <div className="grid gap-3 sm:grid-cols-3">
          {input("host", "SMTP host", { required: true, placeholder: "smtp.example.com" })}
          {input("port", "SMTP port", { required: true, inputMode: "numeric" })}
          <label className="flex items-center gap-2 self-end pb-2 text-sm font-medium">
            <input type="checkbox" checked={d.secure} onChange={(e) => set({ secure: e.target.checked })} />
            TLS from the start (port 465)
          </label>
          {input("username", "SMTP user (optional)", { autoComplete: "off" })}
          {input("password", "SMTP password", { type: "password", autoComplete: "new-password" })}
          {input("from", "From address", { required: true, placeholder: "failover@example.com" })}
          {input("to", "To (comma-separated)", { required: true, placeholder: "oncall@example.com" }, "sm:col-span-3")}
        </div>
      )}
      <fieldset>
        <legend className="text-sm font-semibold">Events</legend>
        <div className="mt-1 grid gap-x-6 gap-y-1 sm:grid-cols-2 lg:grid-cols-3">
          {NOTIFY_EVENT_GROUPS.map((g) => (
            <div key={g.label}>
              <p className="text-sm text-slate-700">{g.label}</p>
              {g.events.map((ev) => (
                <label key={ev} className="mr-3 inline-flex items-center gap-1 font-mono text-xs">
                  <input type="checkbox" checked={d.events.includes(ev)} onChange={() => set({ events: toggle(d.events, ev) })} />
                  {ev}
                </label>
              ))}
            </div>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend className="text-sm font-semibold">Clusters (none ticked: every cluster)</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {clusters.data?.clusters.map((c) => (
            <label key={c.name} className="inline-flex items-center gap-1 text-sm">
              <input type="checkbox" checked={d.clusters.includes(c.name)} onChange={() => set({ clusters: toggle(d.clusters, c.name) })} />
              {c.name}
            </label>
          ))}
          {clusters.data?.clusters.length === 0 && <span className="text-sm text-slate-600">No clusters yet.</span>}
        </div>
      </fieldset>
      <button type="submit" disabled={pending} className={`${button} bg-sky-700 py-2 text-white`}>
        Create channel
      </button>
    </form>
  );
}
