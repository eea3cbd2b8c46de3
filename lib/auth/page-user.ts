import { getServerSession } from "next-auth";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { db } from "../db/client";
import type { UserRole } from "../db/client";
import { loadSessionUser, type SessionUserRecord } from "./load-session-user";
import { authOptions } from "./options";
import { hasRole } from "./roles";

const sessionUser = cache(async (): Promise<SessionUserRecord | null> => {
  const session = await getServerSession(authOptions);
  return session?.user?.id ? loadSessionUser({ prisma: db(), userId: session.user.id, issuedAt: session.issuedAt }) : null;
});

/**
 * The signed-in user of a page, or off to /signin (a 404 below `role`). Every page calls it itself,
 * not only the layout: a client-side navigation request names the layouts the browser already has,
 * and Next then renders the page alone, without the layout's check (test/security/page-session.test.ts).
 */
export async function requirePageUser(role: UserRole = "VIEWER"): Promise<SessionUserRecord> {
  const user = await sessionUser();
  if (!user) redirect("/signin");
  if (!hasRole(user.role, role)) notFound();
  return user;
}
