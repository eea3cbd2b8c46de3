import type { PrismaClient } from "../db/client";
import { AppError } from "../errors";

export type DeliveryView = {
  id: string;
  /** The audit action, or "test". */
  event: string;
  auditEventId: string | null;
  cluster: string | null;
  node: string | null;
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  createdAt: Date;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  httpStatus: number | null;
  lastError: string | null;
};

/** The channel's delivery log, newest first. */
export async function listDeliveries({ prisma, channelId, limit = 50 }: { prisma: PrismaClient; channelId: string; limit?: number }): Promise<DeliveryView[]> {
  if (!(await prisma.notificationChannel.findUnique({ where: { id: channelId }, select: { id: true } })))
    throw new AppError("NOT_FOUND", "notification channel not found");
  const rows = await prisma.$queryRawUnsafe<(Omit<DeliveryView, "id" | "auditEventId"> & { id: bigint; auditEventId: bigint | null })[]>(
    `SELECT d.id, d."auditEventId", COALESCE(a.action, 'test') AS event, a."clusterName" AS cluster, a."nodeName" AS node,
       d.status::text AS status, d.attempts, d."createdAt", d."lastAttemptAt", d."deliveredAt", d."httpStatus", d."lastError",
       CASE WHEN d.status = 'PENDING' THEN d."nextAttemptAt" END AS "nextAttemptAt"
     FROM "NotificationDelivery" d LEFT JOIN "AuditEvent" a ON a.id = d."auditEventId"
     WHERE d."channelId" = $1::uuid ORDER BY d.id DESC LIMIT $2`,
    channelId,
    limit,
  );
  return rows.map((r) => ({ ...r, id: r.id.toString(), auditEventId: r.auditEventId?.toString() ?? null }));
}

/** Queues a test message on the channel (sent by the next dispatcher pass, logged like any delivery). */
export async function queueTestDelivery({ prisma, channelId }: { prisma: PrismaClient; channelId: string }): Promise<{ id: string }> {
  if (!(await prisma.notificationChannel.findUnique({ where: { id: channelId }, select: { id: true } })))
    throw new AppError("NOT_FOUND", "notification channel not found");
  const d = await prisma.notificationDelivery.create({ data: { channelId }, select: { id: true } });
  return { id: d.id.toString() };
}

/**
 * Sends a delivery again (failed, or delivered and wanted again): due now, attempts counted
 * afresh. Refused while a dispatcher is sending it.
 */
export async function redeliver({ prisma, channelId, deliveryId }: { prisma: PrismaClient; channelId: string; deliveryId: string }): Promise<{ id: string }> {
  const n = await prisma.$executeRawUnsafe(
    `UPDATE "NotificationDelivery" SET status = 'PENDING', attempts = 0, "nextAttemptAt" = now(), "lastError" = NULL, "httpStatus" = NULL, "deliveredAt" = NULL
     WHERE id = $1::bigint AND "channelId" = $2::uuid AND "claimId" IS NULL`,
    deliveryId,
    channelId,
  );
  if (n === 0) {
    const exists = await prisma.notificationDelivery.findFirst({ where: { id: BigInt(deliveryId), channelId }, select: { id: true } });
    if (!exists) throw new AppError("NOT_FOUND", "delivery not found");
    throw new AppError("CONFLICT", "this delivery is being sent right now");
  }
  return { id: deliveryId };
}
