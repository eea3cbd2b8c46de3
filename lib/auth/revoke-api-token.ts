import { userActor } from "../cluster/audit-actions";
import { insertAudit } from "../cluster/audit";
import type { PrismaClient } from "../db/client";
import { AppError } from "../errors";

export type RevokeApiTokenOptions = { prisma: PrismaClient; tokenId: string; actor: { id: string; email: string; isAdmin: boolean } };

/** Revokes a token of one's own (an admin may revoke anyone's). Revoking twice is a no-op. */
export async function revokeApiToken({ prisma, tokenId, actor }: RevokeApiTokenOptions) {
  return prisma.$transaction(async (tx) => {
    const token = await tx.apiToken.findUnique({ where: { id: tokenId } });
    if (!token || (token.userId !== actor.id && !actor.isAdmin)) throw new AppError("NOT_FOUND", "token not found");
    if (token.revokedAt) return token;
    const [revoked] = await tx.$queryRaw<{ revokedAt: Date }[]>`UPDATE "ApiToken" SET "revokedAt" = now() WHERE id = ${tokenId}::uuid RETURNING "revokedAt"`;
    await insertAudit(tx, { actor: userActor(actor.email), action: "token.revoked", reason: token.name, details: { tokenId, prefix: token.prefix } });
    return { ...token, revokedAt: revoked.revokedAt };
  });
}
