import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { errorResponse, toAppError } from "@/lib/api/errors";
import { readBodyText } from "@/lib/api/json";
import { authOptions } from "@/lib/auth/options";

type Context = { params: Promise<{ nextauth: string[] }> };

// next-auth v4 types its handlers as `any`; this is the App Router signature it implements. A
// posted form (sign-in, sign-out) is read with the API's bound first (413 past it), then handed on.
async function handler(req: NextRequest, ctx: Context): Promise<Response> {
  if (req.method === "POST") {
    let body: string;
    try {
      body = await readBodyText(req);
    } catch (err) {
      return errorResponse(toAppError(err));
    }
    req = new NextRequest(req.url, { method: "POST", headers: req.headers, body });
  }
  return NextAuth(req, ctx, authOptions) as Promise<Response>;
}
export { handler as GET, handler as POST };
