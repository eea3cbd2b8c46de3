import type { UserRole } from "../db/client";

/** Higher rank can do everything a lower one can: VIEWER reads, OPERATOR acts, ADMIN configures. */
const RANK: Record<UserRole, number> = { VIEWER: 0, OPERATOR: 1, ADMIN: 2 };

export const USER_ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const satisfies readonly UserRole[];

export function hasRole(actual: UserRole | undefined, required: UserRole): boolean {
  return actual !== undefined && RANK[actual] >= RANK[required];
}
