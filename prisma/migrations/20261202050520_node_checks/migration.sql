-- Health checks per node (status, isolation, each check's state) and flap damping per cluster.
-- CreateEnum
CREATE TYPE "CheckStatus" AS ENUM ('PASSING', 'FAILING', 'UNKNOWN');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "checkHoldOffMs" INTEGER NOT NULL DEFAULT 60000,
ADD COLUMN     "failoverLimit" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "failoverWindowMs" INTEGER NOT NULL DEFAULT 600000;

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "checkSince" TIMESTAMPTZ(3),
ADD COLUMN     "checkStatus" "CheckStatus" NOT NULL DEFAULT 'UNKNOWN',
ADD COLUMN     "checks" JSONB,
ADD COLUMN     "isolated" BOOLEAN NOT NULL DEFAULT false;

-- Bounds the console also checks (lib/api/schemas.ts), so no client stores nonsense.
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_check_settings" CHECK (
  "checkHoldOffMs" BETWEEN 0 AND 86400000
  AND "failoverLimit" BETWEEN 0 AND 1000
  AND "failoverWindowMs" BETWEEN 1000 AND 86400000
);

