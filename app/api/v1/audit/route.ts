import { auditQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { listAuditEvents } from "@/lib/cluster/list-audit-events";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER", query: auditQuerySchema }, async ({ query }) => listAuditEvents({ db: db(), ...query }));
