"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client-fetch";
import type { CreateUserBody, UpdateUserBody } from "@/lib/api/schemas";
import { USER_ROLES } from "@/lib/auth/roles";
import type { UserRole as Role } from "@/lib/db/client";
import { formatTime } from "./format";
import { OneTimeSecret } from "./one-time-secret";
import { useSessionUser } from "./providers";
import { ActionError, ErrorState, LoadingState } from "./query-state";
import { RoleSelect } from "./role-select";

type UserJson = { id: string; email: string; name: string; role: Role; disabled: boolean; createdAt: string };
type UserResult = { user: UserJson; generatedPassword?: string };
const errorText = (e: unknown) => (e instanceof Error ? e.message : "request failed");
const field = "rounded border border-slate-400 bg-white px-2 py-1.5";
const button = "rounded px-3 py-1.5 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-50";

/** ADMIN: create users (password generated and shown once), change roles, disable, reset passwords. */
export function UsersAdmin() {
  const me = useSessionUser();
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: () => apiFetch<{ users: UserJson[] }>("/api/v1/users") });
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState({ email: "", name: "", role: "VIEWER" as Role });
  const done = (r: UserResult, label: string) => {
    setError(null);
    if (r.generatedPassword) setSecret({ label, value: r.generatedPassword });
    void queryClient.invalidateQueries({ queryKey: ["users"] });
  };
  const create = useMutation({
    mutationFn: () =>
      apiFetch<UserResult>("/api/v1/users", {
        method: "POST",
        json: { email: draft.email, role: draft.role, ...(draft.name ? { name: draft.name } : {}) } satisfies CreateUserBody,
      }),
    onSuccess: (r) => {
      done(r, `Password for ${r.user.email}`);
      setDraft({ email: "", name: "", role: "VIEWER" });
    },
    onError: (e) => setError(errorText(e)),
  });
  const update = useMutation({
    mutationFn: (v: { user: UserJson; changes: UpdateUserBody }) => apiFetch<UserResult>(`/api/v1/users/${v.user.id}`, { method: "PATCH", json: v.changes }),
    onSuccess: (r) => done(r, `New password for ${r.user.email}`),
    onError: (e) => setError(errorText(e)),
  });

  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Users</h1>
      {secret && <OneTimeSecret label={secret.label} value={secret.value} onDone={() => setSecret(null)} />}
      {error && <ActionError message={error} />}
      <form
        aria-label="Add a user"
        className="grid gap-3 rounded-lg border border-slate-300 bg-white p-4 sm:grid-cols-4 sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label className="text-sm font-medium">
          Email
          <input
            type="email"
            required
            maxLength={255}
            value={draft.email}
            onChange={(e) => setDraft({ ...draft, email: e.target.value })}
            className={`${field} mt-1 w-full`}
          />
        </label>
        <label className="text-sm font-medium">
          Name
          <input maxLength={100} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} className={`${field} mt-1 w-full`} />
        </label>
        <label className="text-sm font-medium">
          Role
          <RoleSelect roles={USER_ROLES} value={draft.role} onRoleChange={(role) => setDraft({ ...draft, role })} className={`${field} mt-1 w-full`} />
        </label>
        <button type="submit" disabled={create.isPending} className={`${button} bg-sky-700 py-2 text-white`}>
          Add user
        </button>
      </form>
      {users.isPending && <LoadingState label="users" />}
      {users.isError && <ErrorState error={users.error} what="users" />}
      {users.data && (
        <div className="overflow-x-auto rounded-lg border border-slate-300 bg-white">
          <table className="w-full min-w-[44rem] text-left text-sm">
            <thead className="bg-slate-100 text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">
                  User
                </th>
                <th scope="col" className="px-3 py-2">
                  Role
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Created
                </th>
                <th scope="col" className="px-3 py-2">
                  Password
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id} data-user={u.email} className="border-t border-slate-200">
                  <th scope="row" className="px-3 py-2 text-left font-medium">
                    {u.email}
                    {u.name && <span className="block text-xs font-normal text-slate-600">{u.name}</span>}
                  </th>
                  <td className="px-3 py-2">
                    <RoleSelect
                      aria-label={`Role of ${u.email}`}
                      roles={USER_ROLES}
                      value={u.role}
                      disabled={update.isPending}
                      onRoleChange={(role) => update.mutate({ user: u, changes: { role } })}
                      className={field}
                    />
                  </td>
                  <td className="px-3 py-2">
                    <button
                      type="button"
                      role="switch"
                      aria-checked={!u.disabled}
                      aria-label={`Account of ${u.email} enabled`}
                      disabled={update.isPending || u.email === me.email}
                      onClick={() => update.mutate({ user: u, changes: { disabled: !u.disabled } })}
                      className={`${button} ${u.disabled ? "bg-red-700 text-white" : "border border-slate-400 bg-white"}`}
                    >
                      {u.disabled ? "Disabled" : "Enabled"}
                    </button>
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">{formatTime(u.createdAt)}</td>
                  <td className="px-3 py-2">
                    <button
                      type="button"
                      disabled={update.isPending}
                      onClick={() =>
                        window.confirm(`Reset the password of ${u.email}? Their sessions end now and a new password is shown once.`) &&
                        update.mutate({ user: u, changes: { resetPassword: true } })
                      }
                      className={`${button} border border-slate-500 bg-white`}
                    >
                      Reset password of {u.email}
                    </button>
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
