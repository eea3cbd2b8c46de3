// The part of oidc-provider (which ships no types) that the single sign-on test uses.
declare module "oidc-provider" {
  import type { Server } from "node:http";

  type Account = { accountId: string; claims(): Record<string, unknown> };
  export type Configuration = {
    clients?: Record<string, unknown>[];
    claims?: Record<string, string[]>;
    conformIdTokenClaims?: boolean;
    findAccount?(ctx: unknown, id: string): Account | undefined | Promise<Account | undefined>;
    cookies?: { keys: string[] };
    ttl?: Record<string, number>;
  };

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    listen(port: number): Server;
  }
}
