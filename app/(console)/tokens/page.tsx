import { ApiTokens } from "@/components/api-tokens";
import { requirePageUser } from "@/lib/auth/page-user";

export const metadata = { title: "API tokens · Failover Console" };

export default async function TokensPage() {
  await requirePageUser();
  return <ApiTokens />;
}
