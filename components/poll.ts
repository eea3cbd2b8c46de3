/**
 * Live views poll every 500 ms: with a request taking a few ms, what is on screen is at most about
 * half a second old (the issue asks for under one second). Measured in e2e/live-status.spec.ts.
 */
export const POLL_MS = 500;
