-- A command an ADMIN forced onto a target whose checks fail (the target then keeps the role until its checks pass once).
-- AlterTable
ALTER TABLE "Command" ADD COLUMN     "forced" BOOLEAN NOT NULL DEFAULT false;
