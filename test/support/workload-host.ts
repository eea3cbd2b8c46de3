// A stand-in agent for agent/workload.test.ts: runs a supervised process and confirms a deadline
// `graceMs` ahead every 100 ms, as renewals do, until it is frozen (SIGSTOP) or killed.
// usage: tsx workload-host.ts DIR GRACE_MS
import { createLogger, monoNow } from "../../agent/log";
import { Workload } from "../../agent/workload";

const [dir, graceMs] = [process.argv[2], BigInt(process.argv[3])];
const workload = new Workload({
  cluster: "c",
  service: "main",
  node: "n",
  log: createLogger({}, "warn"),
  hooks: { timeoutMs: 30_000 },
  supervise: `echo $$ > ${dir}/main; while :; do sleep 0.05; done`,
  onExit: () => {},
  stopGraceMs: () => 1000,
});
const confirm = () => workload.setDeadline(monoNow() + graceMs * 1_000_000n);
confirm();
await workload.start(1n, () => true);
setInterval(confirm, 100);
