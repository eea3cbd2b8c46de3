import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";

// next-auth v4 types its handlers as `any`; this is the App Router signature it implements.
const handler = (req: NextRequest, ctx: { params: Promise<{ nextauth: string[] }> }) => NextAuth(req, ctx, authOptions) as Promise<Response>;
export { handler as GET, handler as POST };
