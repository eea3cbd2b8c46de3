import { insertAudit } from "../cluster/audit";
import { userActor } from "../cluster/audit-actions";
import type { PrismaClient } from "../db/client";

/** Sign-out: every session of the user issued until now is refused from now on; audited. */
export async function endSessions({ prisma, userId, email }: { prisma: PrismaClient; userId: string; email: string }) {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE "User" SET "sessionsValidAfter" = now() WHERE id = ${userId}::uuid`;
    await insertAudit(tx, { actor: userActor(email), action: "user.signed_out" });
  });
}
