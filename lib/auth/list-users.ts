import type { PrismaClient } from "../db/client";

/** Every user, without password hashes. */
export function listUsers({ prisma }: { prisma: PrismaClient }) {
  return prisma.user.findMany({ orderBy: { email: "asc" }, select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true } });
}
