/**
 * Live views poll every 500 ms: with a request taking a few ms, what is on screen is at most about
 * half a second old (the bound is one second). Measured in e2e/cluster/failover.spec.ts ("status on
 * screen is under a second old").
 */
export const POLL_MS = 500;
