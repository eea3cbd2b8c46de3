import { availableParallelism } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";

// bcrypt is deliberately slow (~250 ms a hash at cost 12) and bcryptjs is plain JavaScript: on the
// console's one JavaScript thread a burst of sign-ins would stall every request behind it. So it
// runs on worker threads, one job per worker at a time, the rest queued.

// Evaluated source rather than a file: the console's bundler would otherwise have to ship a worker
// entry point. bcryptjs is resolved from the working folder or the running program's (the
// repository's node_modules either way).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require(require.resolve("bcryptjs", { paths: workerData.paths }));
parentPort.on("message", ({ id, op, password, arg }) => {
  try {
    parentPort.postMessage({ id, result: op === "hash" ? bcrypt.hashSync(password, arg) : bcrypt.compareSync(password, arg) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});`;

/** One core stays free for the console's own thread. */
export const BCRYPT_WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));

type Job = { op: "hash" | "compare"; password: string; arg: string | number; resolve(v: unknown): void; reject(e: Error): void };
type Slot = { worker: Worker; job: Job | null };

const slots: Slot[] = [];
const queue: Job[] = [];
let nextId = 0;

function startWorker(): Slot {
  const paths = [process.cwd(), ...(process.argv[1] ? [path.dirname(process.argv[1])] : [])];
  const slot: Slot = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { paths } }), job: null };
  const fail = (err: Error) => {
    slots.splice(slots.indexOf(slot), 1);
    slot.job?.reject(err);
    slot.job = null;
    dispatch();
  };
  slot.worker.on("message", (msg: { result?: unknown; error?: string }) => {
    const job = slot.job!;
    slot.job = null;
    if (msg.error !== undefined) job.reject(new Error(`bcrypt: ${msg.error}`));
    else job.resolve(msg.result);
    dispatch();
  });
  slot.worker.on("error", fail);
  slot.worker.on("exit", (code) => slots.includes(slot) && fail(new Error(`bcrypt worker exited (${code})`)));
  slots.push(slot);
  return slot;
}

function dispatch() {
  while (queue.length) {
    const slot = slots.find((s) => !s.job) ?? (slots.length < BCRYPT_WORKERS ? startWorker() : null);
    if (!slot) return;
    const job = queue.shift()!;
    slot.job = job;
    slot.worker.ref(); // a pending hash keeps the process alive, an idle worker does not
    slot.worker.postMessage({ id: nextId++, op: job.op, password: job.password, arg: job.arg });
  }
  for (const s of slots) if (!s.job) s.worker.unref();
}

function run<T>(op: Job["op"], password: string, arg: string | number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue.push({ op, password, arg, resolve, reject });
    dispatch();
  });
}

export const bcryptHash = (password: string, cost: number) => run<string>("hash", password, cost);
export const bcryptCompare = (password: string, hash: string) => run<boolean>("compare", password, hash);
