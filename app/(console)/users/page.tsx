import { UsersAdmin } from "@/components/users-admin";
import { requirePageUser } from "@/lib/auth/page-user";

export const metadata = { title: "Users · Failover Console" };

export default async function UsersPage() {
  await requirePageUser("ADMIN");
  return <UsersAdmin />;
}
