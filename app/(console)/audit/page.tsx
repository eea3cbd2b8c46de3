import { Suspense } from "react";
import { AuditView } from "@/components/audit-view";
import { LoadingState } from "@/components/query-state";
import { requirePageUser } from "@/lib/auth/page-user";
import { AUDIT_ACTIONS } from "@/lib/cluster/audit-actions";

export const metadata = { title: "Audit log · Failover Console" };

export default async function AuditPage() {
  await requirePageUser();
  return (
    <Suspense fallback={<LoadingState label="audit log" />}>
      <AuditView actions={AUDIT_ACTIONS} />
    </Suspense>
  );
}
