import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { AppError } from "../errors";
import { generatePassword, hashPassword } from "./password";
import { clearSignInLock } from "./sign-in-throttle";

export type UserChanges = { role?: UserRole; disabled?: boolean; name?: string; password?: string; resetPassword?: boolean };
/** actor: an audit actor string, userActor(email) from the console, "system" from the command line. */
export type UpdateUserOptions = { prisma: PrismaClient; actor: string; userId: string; changes: UserChanges };

/**
 * Changes a user. The last active ADMIN can be neither demoted nor disabled (checked under a lock
 * on the admins, so two concurrent demotions cannot both pass). A new password or disabling ends
 * the user's existing sessions; a new password also ends a sign-in lock on the account.
 */
export async function updateUser({ prisma, actor, userId, changes }: UpdateUserOptions) {
  const generated = changes.resetPassword ? generatePassword() : undefined;
  const newPassword = changes.password ?? generated;
  const passwordHash = newPassword ? await hashPassword(newPassword) : undefined;
  return prisma.$transaction(async (tx) => {
    const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "User" WHERE role = 'ADMIN' AND NOT disabled FOR UPDATE`;
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new AppError("NOT_FOUND", "user not found");
    const losesAdmin = user.role === "ADMIN" && !user.disabled && ((changes.role !== undefined && changes.role !== "ADMIN") || changes.disabled === true);
    if (losesAdmin && admins.length <= 1)
      throw new AppError("CONFLICT", "the last active administrator cannot be demoted or disabled; make another user ADMIN first");
    const endSessions = passwordHash !== undefined || changes.disabled === true;
    await tx.user.update({
      where: { id: userId },
      data: {
        ...(changes.role !== undefined && { role: changes.role }),
        ...(changes.disabled !== undefined && { disabled: changes.disabled }),
        ...(changes.name !== undefined && { name: changes.name }),
        ...(passwordHash && { passwordHash }),
      },
    });
    if (endSessions) await tx.$executeRaw`UPDATE "User" SET "sessionsValidAfter" = now() WHERE id = ${userId}::uuid`;
    if (passwordHash) await clearSignInLock(tx, user.email);
    const changed = Object.keys(changes).filter((k) => changes[k as keyof UserChanges] !== undefined && k !== "password" && k !== "resetPassword");
    if (passwordHash) changed.push("password");
    await insertAudit(tx, {
      actor,
      action: "user.updated",
      reason: `${user.email}: ${changed.join(", ")}`,
      details: {
        userId,
        ...(changes.role !== undefined && { role: { from: user.role, to: changes.role } }),
        ...(changes.disabled !== undefined && { disabled: changes.disabled }),
      },
    });
    const updated = await tx.user.findUniqueOrThrow({
      where: { id: userId },
      select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true },
    });
    return { user: updated, generatedPassword: generated };
  });
}
