"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client-fetch";
import type { CreateTokenBody } from "@/lib/api/schemas";
import { hasRole, USER_ROLES } from "@/lib/auth/roles";
import type { UserRole as Role } from "@/lib/db/client";
import { formatTime } from "./format";
import { OneTimeSecret } from "./one-time-secret";
import { useSessionUser } from "./providers";
import { ActionError, ErrorState, LoadingState } from "./query-state";
import { RoleSelect } from "./role-select";

type TokenJson = {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
};
const EXPIRY_CHOICES = [
  { label: "never (until revoked)", days: undefined },
  { label: "in 7 days", days: 7 },
  { label: "in 30 days", days: 30 },
  { label: "in 90 days", days: 90 },
  { label: "in a year", days: 365 },
] as const;
const errorText = (e: unknown) => (e instanceof Error ? e.message : "request failed");
const button = "rounded px-3 py-1.5 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-50";

/** The signed-in user's API tokens (for scripts and CI): create (secret shown once), revoke. */
export function ApiTokens() {
  const me = useSessionUser();
  // A token's role is at most its creator's.
  const roles = USER_ROLES.filter((r) => hasRole(me.role, r));
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => apiFetch<{ tokens: TokenJson[] }>("/api/v1/tokens") });
  const [draft, setDraft] = useState<CreateTokenBody>({ name: "", role: "VIEWER" });
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["tokens"] });
  const create = useMutation({
    mutationFn: () => apiFetch<TokenJson & { secret: string }>("/api/v1/tokens", { method: "POST", json: draft }),
    onSuccess: (t) => {
      setSecret(t.secret);
      setError(null);
      setDraft({ name: "", role: "VIEWER" });
      void refresh();
    },
    onError: (e) => setError(errorText(e)),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/v1/tokens/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
    onError: (e) => setError(errorText(e)),
  });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-bold">API tokens</h1>
        <p className="mt-1 text-slate-700">
          For scripts: send <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;token&gt;</code> to /api/v1. A token can do at most what its
          role and yours allow.
        </p>
      </div>
      {secret && <OneTimeSecret label="New API token" value={secret} onDone={() => setSecret(null)} />}
      {error && <ActionError message={error} />}
      <form
        aria-label="Create a token"
        className="grid gap-3 rounded-lg border border-slate-300 bg-white p-4 sm:grid-cols-4 sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label className="text-sm font-medium">
          Token name
          <input
            required
            maxLength={100}
            value={draft.name}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
            placeholder="e.g. ci-switchover"
            className="mt-1 w-full rounded border border-slate-400 px-2 py-1.5"
          />
        </label>
        <label className="text-sm font-medium">
          Token role
          <RoleSelect
            roles={roles}
            value={draft.role}
            onRoleChange={(role) => setDraft({ ...draft, role })}
            className="mt-1 w-full rounded border border-slate-400 bg-white px-2 py-1.5"
          />
        </label>
        <label className="text-sm font-medium">
          Expires
          <select
            value={draft.expiresInDays ?? ""}
            onChange={(e) => setDraft({ ...draft, expiresInDays: e.target.value ? Number(e.target.value) : undefined })}
            className="mt-1 w-full rounded border border-slate-400 bg-white px-2 py-1.5"
          >
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.label} value={c.days ?? ""}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending} className={`${button} bg-sky-700 py-2 text-white`}>
          Create token
        </button>
      </form>
      {tokens.isPending && <LoadingState label="tokens" />}
      {tokens.isError && <ErrorState error={tokens.error} what="tokens" />}
      {tokens.data && tokens.data.tokens.length === 0 && <p className="text-slate-600">No tokens yet.</p>}
      {tokens.data && tokens.data.tokens.length > 0 && (
        <div className="overflow-x-auto rounded-lg border border-slate-300 bg-white">
          <table className="w-full min-w-[40rem] text-left text-sm">
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Name
                </th>
                <th scope="col" className="px-3 py-2">
                  Role
                </th>
                <th scope="col" className="px-3 py-2">
                  Starts with
                </th>
                <th scope="col" className="px-3 py-2">
                  Created
                </th>
                <th scope="col" className="px-3 py-2">
                  Last used
                </th>
                <th scope="col" className="px-3 py-2">
                  Expires
                </th>
                <th scope="col" className="px-3 py-2" />
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((t) => (
                <tr key={t.id} data-token={t.name} className="border-t border-slate-200">
                  <th scope="row" className="px-3 py-2 text-left font-medium">
                    {t.name}
                  </th>
                  <td className="px-3 py-2">{t.role.toLowerCase()}</td>
                  <td className="px-3 py-2 font-mono">{t.prefix}…</td>
                  <td className="px-3 py-2 whitespace-nowrap">{formatTime(t.createdAt)}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{t.lastUsedAt ? formatTime(t.lastUsedAt) : "never"}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{t.expiresAt ? formatTime(t.expiresAt) : "never"}</td>
                  <td className="px-3 py-2">
                    {t.revokedAt ? (
                      <span className="text-slate-600">revoked {formatTime(t.revokedAt)}</span>
                    ) : (
                      <button
                        type="button"
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(t.id)}
                        className={`${button} border border-red-700 bg-white text-red-800`}
                      >
                        Revoke {t.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
