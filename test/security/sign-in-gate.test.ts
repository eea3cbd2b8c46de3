// The bound on sign-ins in progress (lib/auth/sign-in-gate.ts), driven with real timers: so many
// run at once, so many wait their turn, the rest are refused at once.
import { describe, expect, it } from "vitest";
import { SIGN_IN_BUSY, SIGN_IN_CONCURRENCY, SIGN_IN_WAITING, withSignInSlot } from "../../lib/auth/sign-in-gate";

describe("sign-in gate", () => {
  it(`runs ${SIGN_IN_CONCURRENCY} at once, queues ${SIGN_IN_WAITING}, refuses the rest at once`, async () => {
    let running = 0;
    let most = 0;
    const work = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return "checked";
    };
    const extra = 10;
    const t0 = performance.now();
    const refusedAt: number[] = [];
    const outcomes = await Promise.all(
      Array.from({ length: SIGN_IN_CONCURRENCY + SIGN_IN_WAITING + extra }, () =>
        withSignInSlot(work).catch((err: Error) => {
          refusedAt.push(performance.now() - t0);
          return err.message;
        }),
      ),
    );
    expect(outcomes.filter((o) => o === "checked")).toHaveLength(SIGN_IN_CONCURRENCY + SIGN_IN_WAITING);
    expect(outcomes.filter((o) => o === SIGN_IN_BUSY)).toHaveLength(extra);
    expect(Math.max(...refusedAt)).toBeLessThan(50); // refused without waiting
    expect(most).toBe(SIGN_IN_CONCURRENCY);
    // And the gate is free again afterwards.
    expect(await withSignInSlot(work)).toBe("checked");
  });
});
