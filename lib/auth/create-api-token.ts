import { createHash, randomBytes } from "node:crypto";
import { userActor } from "../cluster/audit-actions";
import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { AppError } from "../errors";
import { hasRole } from "./roles";

export const TOKEN_PREFIX = "fct_";

export const hashApiToken = (secret: string) => createHash("sha256").update(secret).digest("hex");

export type CreateApiTokenOptions = {
  prisma: PrismaClient;
  user: { id: string; email: string; role: UserRole };
  name: string;
  role: UserRole;
  /** Refused this many days from now (database clock); undefined: until revoked. */
  expiresInDays?: number;
};

/** Creates a token for a role no higher than the user's own; returns the secret, which is never stored or shown again. */
export async function createApiToken({ prisma, user, name, role, expiresInDays }: CreateApiTokenOptions) {
  if (!hasRole(user.role, role)) throw new AppError("FORBIDDEN", `a ${user.role} cannot create a ${role} token`);
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return prisma.$transaction(async (tx) => {
    const [{ expiresAt }] =
      expiresInDays === undefined
        ? [{ expiresAt: null }]
        : await tx.$queryRaw<{ expiresAt: Date }[]>`SELECT now() + make_interval(days => ${expiresInDays}) AS "expiresAt"`;
    const token = await tx.apiToken.create({
      data: { userId: user.id, name, role, tokenHash: hashApiToken(secret), prefix: secret.slice(0, 12), expiresAt },
      select: { id: true, name: true, role: true, prefix: true, createdAt: true, expiresAt: true },
    });
    await insertAudit(tx, {
      actor: userActor(user.email),
      action: "token.created",
      reason: name,
      details: { tokenId: token.id, role, prefix: token.prefix, expiresAt: token.expiresAt?.toISOString() ?? null },
    });
    return { ...token, secret };
  });
}
