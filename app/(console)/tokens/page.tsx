import { ApiTokens } from "@/components/api-tokens";

export const metadata = { title: "API tokens · Failover Console" };

export default function TokensPage() {
  return <ApiTokens />;
}
