import { BCRYPT_WORKERS } from "./bcrypt-pool";

/** Sign-ins checked at once per console (each holds a bcrypt worker for ~250 ms). */
export const SIGN_IN_CONCURRENCY = 2 * BCRYPT_WORKERS;
/** Sign-ins that may wait for a slot; more are refused at once. */
export const SIGN_IN_WAITING = 64;
/** How long one waits at most before it is refused. */
export const SIGN_IN_WAIT_MS = 5_000;
/** The error message (next-auth hands it to the form as `error`) of a refused sign-in. */
export const SIGN_IN_BUSY = "SignInBusy";

let running = 0;
const waiting: (() => void)[] = [];

function release() {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/**
 * Bounds the sign-ins in progress. Waiting (rather than refusing at once) keeps a flood of sign-ins
 * at the pace bcrypt sets, instead of a stream of instant refusals that would busy the console's
 * own thread; past SIGN_IN_WAITING waiters, or SIGN_IN_WAIT_MS, the attempt is refused unchecked.
 */
export async function withSignInSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running < SIGN_IN_CONCURRENCY) running++;
  else {
    if (waiting.length >= SIGN_IN_WAITING) throw new Error(SIGN_IN_BUSY);
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(); // the slot passes straight from release() to this waiter
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(wake), 1);
        reject(new Error(SIGN_IN_BUSY));
      }, SIGN_IN_WAIT_MS);
      waiting.push(wake);
    });
  }
  try {
    return await work();
  } finally {
    release();
  }
}
