import { tokenParamsSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { revokeApiToken } from "@/lib/auth/revoke-api-token";
import { db } from "@/lib/db/client";

/** Revokes a token (one's own; an ADMIN may revoke anyone's), from a signed-in session. */
export const DELETE = withAuth({ role: "VIEWER", sessionOnly: true, params: tokenParamsSchema }, async ({ params, user }) => {
  const token = await revokeApiToken({ prisma: db(), tokenId: params.id, actor: { id: user.id, email: user.email, isAdmin: user.role === "ADMIN" } });
  return { id: token.id, name: token.name, revokedAt: token.revokedAt };
});
