-- A removed node no longer takes its commands with it: the target becomes NULL and the command
-- keeps the target's name (copied in, as the audit log does).

-- DropForeignKey
ALTER TABLE "Command" DROP CONSTRAINT "Command_targetNodeId_fkey";

-- AlterTable (backfilled from the nodes before the column becomes NOT NULL)
ALTER TABLE "Command" ADD COLUMN "targetName" VARCHAR(64),
ALTER COLUMN "targetNodeId" DROP NOT NULL;
UPDATE "Command" c SET "targetName" = n.name FROM "Node" n WHERE n.id = c."targetNodeId";
UPDATE "Command" SET "targetName" = '' WHERE "targetName" IS NULL;
ALTER TABLE "Command" ALTER COLUMN "targetName" SET NOT NULL;

-- AddForeignKey
ALTER TABLE "Command" ADD CONSTRAINT "Command_targetNodeId_fkey" FOREIGN KEY ("targetNodeId") REFERENCES "Node"("id") ON DELETE SET NULL ON UPDATE CASCADE;
