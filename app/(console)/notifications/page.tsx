import { NotificationsAdmin } from "@/components/notifications/notifications-admin";
import { requirePageUser } from "@/lib/auth/page-user";

export const metadata = { title: "Notifications · Failover Console" };

export default async function NotificationsPage() {
  await requirePageUser("ADMIN");
  return <NotificationsAdmin />;
}
