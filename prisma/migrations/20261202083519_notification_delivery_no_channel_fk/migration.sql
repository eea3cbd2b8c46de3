-- Hand-written comment, generated statement: the AuditEvent trigger's INSERT into
-- "NotificationDelivery" runs inside elections and step-downs, and its foreign key check took a
-- FOR KEY SHARE lock on the channel row, so it waited for a channel being renamed (its name is
-- unique: the UPDATE locks the row FOR UPDATE) or deleted: a failover.promoted audit INSERT waited
-- as long as the rename's transaction was open. Without the foreign key the trigger only reads the
-- channels. deleteChannel (lib/notify/update-channel.ts) deletes the channel's deliveries itself;
-- one queued at the very moment of a delete is skipped by the dispatchers and pruned.
-- DropForeignKey
ALTER TABLE "NotificationDelivery" DROP CONSTRAINT "NotificationDelivery_channelId_fkey";
