// Sign-in lockout under attack, against the production build: parallel bursts, a lock held on
// purpose, and a client address throttled through the reverse proxy's header.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCKOUT } from "../../lib/auth/authorize-credentials";
import { ADDRESS_LOCKOUT } from "../../lib/auth/sign-in-throttle";
import { callApi } from "../support/api-client";
import { startConsoleTestbed, TEST_PASSWORD, type ConsoleTestbed } from "../support/console-fixture";
import { signIn } from "../support/next-server";

const PROXY_HEADER = "x-forwarded-for";

describe("sign-in lockout", () => {
  let bed: ConsoleTestbed;
  beforeAll(async () => {
    bed = await startConsoleTestbed({ env: { TRUSTED_PROXY_HEADER: PROXY_HEADER } });
  });
  afterAll(async () => bed?.stop());
  // The proxy header is trusted here, so every attempt comes from some address: by default a
  // random one, so that only the address test's attempts add up per address.
  const randomAddress = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join(".")}`;
  const attempt = (email: string, password: string, address = randomAddress()) =>
    signIn(bed.server.url, email, password, { [PROXY_HEADER]: address }).then(
      () => true,
      () => false,
    );
  const audited = (email: string, action: string) => bed.t.prisma.auditEvent.count({ where: { actor: `user:${email}`, action } });
  const addUser = async (email: string) => {
    const { passwordHash } = await bed.t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    return bed.t.prisma.user.create({ data: { email, role: "VIEWER", passwordHash } });
  };
  const lock = async (email: string) => {
    await Promise.all(Array.from({ length: LOCKOUT.failures + 3 }, () => attempt(email, "wrong password")));
    expect(await attempt(email, TEST_PASSWORD)).toBe(false);
  };

  it(`a burst of 30 parallel wrong sign-ins gets ${LOCKOUT.failures} password checks, and the lock is audited once`, async () => {
    const email = "burst@example.com";
    await addUser(email);
    const results = await Promise.all(Array.from({ length: 30 }, () => attempt(email, "wrong password")));
    expect(results.filter(Boolean)).toEqual([]);
    const checks = await audited(email, "user.sign_in_failed");
    console.log(`lockout burst: 30 parallel wrong sign-ins -> ${checks} password checks`);
    expect(checks).toBe(LOCKOUT.failures);
    // Later in the window: refused even with the right password, and no further audit rows.
    for (let i = 0; i < 3; i++) expect(await attempt(email, TEST_PASSWORD)).toBe(false);
    expect(await audited(email, "user.sign_in_failed")).toBe(LOCKOUT.failures);
    expect(await audited(email, "user.sign_in_locked")).toBe(1);
  });

  it("an admin's password reset clears the lock", async () => {
    const user = await addUser("reset-by-admin@example.com");
    await lock(user.email);
    const admin = await signIn(bed.server.url, "admin@example.com", TEST_PASSWORD, { [PROXY_HEADER]: randomAddress() });
    const reset = await callApi(bed.server.url, admin, { method: "PATCH", path: `/api/v1/users/${user.id}`, body: { resetPassword: true } });
    expect(reset.status).toBe(200);
    expect(await attempt(user.email, (reset.body as { generatedPassword: string }).generatedPassword)).toBe(true);
  });

  it("npm run reset-password clears the lock", async () => {
    const user = await addUser("reset-by-script@example.com");
    await lock(user.email);
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/reset-password.ts", user.email], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: bed.t.url } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const password = r.stdout.match(/new password for \S+: (\S+)/)![1];
    expect(await attempt(user.email, password)).toBe(true);
  });

  it("throttles a client address (from the configured proxy header) that fails on many accounts", async () => {
    const attacker = "203.0.113.9";
    for (let batch = 0; batch < 8; batch++) {
      const tries = await Promise.all(Array.from({ length: 5 }, (_, i) => attempt(`nobody${batch * 5 + i}@example.com`, "wrong password", attacker)));
      expect(tries.filter(Boolean)).toEqual([]);
    }
    // The right password from that address is refused; the proxy's own (last) entry counts, not what the client wrote before it.
    expect(await attempt("admin@example.com", TEST_PASSWORD, attacker)).toBe(false);
    expect(await attempt("admin@example.com", TEST_PASSWORD, `198.51.100.7, ${attacker}`)).toBe(false);
    expect(await attempt("admin@example.com", TEST_PASSWORD, "198.51.100.7")).toBe(true);
    expect(await attempt("admin@example.com", TEST_PASSWORD, `${attacker}, 198.51.100.8`)).toBe(true);
    const checked = await bed.t.prisma.auditEvent.count({ where: { actor: { startsWith: "user:nobody" }, action: "user.sign_in_failed" } });
    console.log(`address throttle: 40 wrong sign-ins from one address on 40 accounts -> ${checked} password checks`);
    expect(checked).toBe(ADDRESS_LOCKOUT.failures);
  });
});
