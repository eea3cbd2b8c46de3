import type { PrismaClient } from "../db/client";

/** A user's tokens, newest first; never the hash. */
export function listApiTokens({ prisma, userId }: { prisma: PrismaClient; userId: string }) {
  return prisma.apiToken.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, role: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true, expiresAt: true },
  });
}
