// The sign-in settings read from the environment: bad values named in one line, single sign-on
// all or nothing, and the groups-to-role mapping.
import { describe, expect, it } from "vitest";
import { parseAuthEnv } from "../../lib/auth/auth-env";
import { roleFromClaims } from "../../lib/auth/oidc";
import { readLauncherEnv } from "../../lib/config/launcher-env";

const OIDC = { OIDC_ISSUER: "https://id.example.com/realms/x", OIDC_CLIENT_ID: "console", OIDC_CLIENT_SECRET: "s3cret" };

describe("sign-in settings", () => {
  it("has safe defaults", () => {
    const env = parseAuthEnv({});
    expect(env).toMatchObject({ SESSION_LIFETIME_HOURS: 12, OIDC_ROLE_CLAIM: "groups", OIDC_ADMIN_GROUPS: [] });
    expect([env.TRUSTED_PROXY_HEADER, env.OIDC_ISSUER]).toEqual([undefined, undefined]);
  });

  it.each([
    [{ SESSION_LIFETIME_HOURS: "0" }, /SESSION_LIFETIME_HOURS/],
    [{ SESSION_LIFETIME_HOURS: "twelve" }, /SESSION_LIFETIME_HOURS/],
    [{ TRUSTED_PROXY_HEADER: "X Forwarded For" }, /TRUSTED_PROXY_HEADER a header name/],
    [{ OIDC_ISSUER: "not a url", OIDC_CLIENT_ID: "c", OIDC_CLIENT_SECRET: "s" }, /OIDC_ISSUER/],
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER }, /set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together/],
  ])("refuses %o with one line naming it, at the launcher's start too", (env, message) => {
    expect(() => parseAuthEnv(env)).toThrow(message);
    expect(() => readLauncherEnv(env as unknown as NodeJS.ProcessEnv)).toThrow(/^bad configuration: /);
  });

  it("takes the proxy header case-insensitively and the group lists comma-separated", () => {
    const env = parseAuthEnv({ ...OIDC, TRUSTED_PROXY_HEADER: "X-Real-IP", OIDC_ADMIN_GROUPS: " ops-leads , sre ", SESSION_LIFETIME_HOURS: "0.5" });
    expect(env).toMatchObject({ TRUSTED_PROXY_HEADER: "x-real-ip", OIDC_ADMIN_GROUPS: ["ops-leads", "sre"], SESSION_LIFETIME_HOURS: 0.5 });
  });

  it("maps groups to the highest role any of them gives, or none", () => {
    const env = parseAuthEnv({ ...OIDC, OIDC_ADMIN_GROUPS: "sre", OIDC_OPERATOR_GROUPS: "ops", OIDC_VIEWER_GROUPS: "staff,ops" });
    const role = (groups: unknown) => roleFromClaims({ sub: "u", groups }, env);
    expect(role(["staff", "ops", "sre"])).toBe("ADMIN");
    expect(role(["ops"])).toBe("OPERATOR");
    expect(role("staff")).toBe("VIEWER");
    expect(role(["contractors"])).toBeNull();
    expect(role(undefined)).toBeNull();
    expect(role([{ name: "sre" }])).toBeNull();
  });
});
