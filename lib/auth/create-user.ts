import { userActor } from "../cluster/audit-actions";
import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { AppError } from "../errors";
import { generatePassword, hashPassword } from "./password";

export type CreateUserOptions = { prisma: PrismaClient; actorEmail: string; email: string; name?: string; role: UserRole; password?: string };

/** Creates a user; without a password one is generated and returned (shown once, never stored in clear). */
export async function createUser({ prisma, actorEmail, email, name = "", role, password }: CreateUserOptions) {
  const normalized = email.trim().toLowerCase();
  const actual = password ?? generatePassword();
  const passwordHash = await hashPassword(actual);
  return prisma.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: normalized }, select: { id: true } }))
      throw new AppError("CONFLICT", `a user with email ${normalized} already exists`);
    const user = await tx.user.create({
      data: { email: normalized, name, role, passwordHash },
      select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true },
    });
    await insertAudit(tx, { actor: userActor(actorEmail), action: "user.created", reason: normalized, details: { userId: user.id, role } });
    return { user, generatedPassword: password ? undefined : actual };
  });
}
