import type { PrismaClient, UserRole } from "../db/client";
import { hashApiToken, TOKEN_PREFIX } from "./create-api-token";
import { hasRole } from "./roles";

export type TokenUser = { id: string; email: string; role: UserRole; tokenId: string };

/**
 * The user a bearer token acts for, or null (unknown, revoked, expired, or its owner disabled). Its role is
 * the lower of the token's and the owner's current one, so demoting a user demotes their tokens.
 */
export async function authenticateApiToken({ prisma, secret }: { prisma: PrismaClient; secret: string }): Promise<TokenUser | null> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 100) return null;
  const token = await prisma.apiToken.findUnique({
    where: { tokenHash: hashApiToken(secret) },
    select: {
      id: true,
      role: true,
      revokedAt: true,
      expiresAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, role: true, disabled: true } },
    },
  });
  if (!token || token.revokedAt || token.user.disabled) return null;
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return null;
  // Last use to the minute is enough, and spares a write on every scrape.
  await prisma.$executeRaw`UPDATE "ApiToken" SET "lastUsedAt" = now() WHERE id = ${token.id}::uuid AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`;
  const role = hasRole(token.user.role, token.role) ? token.role : token.user.role;
  return { id: token.user.id, email: token.user.email, role, tokenId: token.id };
}
