import { auditQuerySchema, searchParamsObject } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { listAuditEvents } from "@/lib/cluster/list-audit-events";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER" }, async ({ req }) => {
  const { before, ...query } = auditQuerySchema.parse(searchParamsObject(req.nextUrl.searchParams));
  return listAuditEvents({ prisma: db(), ...query, before: before === undefined ? undefined : BigInt(before) });
});
