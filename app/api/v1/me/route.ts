import { withAuth } from "@/lib/api/with-auth";

export const GET = withAuth({ role: "VIEWER" }, async ({ user }) => ({ email: user.email, role: user.role }));
