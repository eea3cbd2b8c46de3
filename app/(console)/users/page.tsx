import { getServerSession } from "next-auth";
import { notFound } from "next/navigation";
import { UsersAdmin } from "@/components/users-admin";
import { authOptions } from "@/lib/auth/options";
import { loadSessionUser } from "@/lib/auth/load-session-user";
import { db } from "@/lib/db/client";

export const metadata = { title: "Users · Failover Console" };

export default async function UsersPage() {
  const session = await getServerSession(authOptions);
  const user = session?.user?.id ? await loadSessionUser({ prisma: db(), userId: session.user.id, issuedAt: session.issuedAt }) : null;
  if (user?.role !== "ADMIN") notFound();
  return <UsersAdmin />;
}
