-- AlterTable
ALTER TABLE "User" ADD COLUMN     "ssoIdentity" VARCHAR(600);

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "expiresAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "SignInThrottle" (
    "key" VARCHAR(300) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "windowStartedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockAuditedAt" TIMESTAMPTZ(3),

    CONSTRAINT "SignInThrottle_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_ssoIdentity_key" ON "User"("ssoIdentity");
