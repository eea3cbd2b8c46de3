"use client";
import type { SelectHTMLAttributes } from "react";
import type { UserRole } from "@/lib/db/client";

type Props = { roles: readonly UserRole[]; value: UserRole; onRoleChange: (role: UserRole) => void } & Omit<
  SelectHTMLAttributes<HTMLSelectElement>,
  "value" | "onChange"
>;

/** A role picker over the given roles, lower-cased as the console shows them. */
export function RoleSelect({ roles, value, onRoleChange, ...select }: Props) {
  return (
    <select {...select} value={value} onChange={(e) => onRoleChange(e.target.value as UserRole)}>
      {roles.map((r) => (
        <option key={r} value={r}>
          {r.toLowerCase()}
        </option>
      ))}
    </select>
  );
}
