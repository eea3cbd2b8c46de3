import { auditEventsToCsv } from "@/lib/api/audit-csv";
import { auditCsvQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { listAuditEvents } from "@/lib/cluster/list-audit-events";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER", query: auditCsvQuerySchema }, async ({ query }) => {
  const page = await listAuditEvents({ db: db(), ...query });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(auditEventsToCsv(page.events), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
});
