import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A service for `--supervise` that proves it never runs beside another instance: it takes an
 * exclusive flock on one lock file for as long as any of its processes lives (the kernel drops a
 * flock only when the last holder is gone, SIGKILL included). Failing to get it at once means
 * another node's instance still runs: that is written to `overlaps`, then it waits for the lock.
 */
export async function lockedService(dir: string) {
  const script = path.join(dir, "locked-service.sh");
  const files = { lock: path.join(dir, "service.lock"), events: path.join(dir, "service-events"), overlaps: path.join(dir, "service-overlaps") };
  await writeFile(
    script,
    `#!/usr/bin/env bash
exec 9>>"${files.lock}"
if ! flock -n 9; then echo "overlap $NODE $EPOCH $(date +%s%N)" >> "${files.overlaps}"; flock 9; fi
echo "start $NODE $EPOCH $$ $(date +%s%N)" >> "${files.events}"
exec sleep 100000
`,
  );
  await chmod(script, 0o755);
  return {
    command: script,
    /** Overlaps recorded so far (empty is the invariant). */
    overlaps: async () => (await readFile(files.overlaps, "utf8").catch(() => "")).split("\n").filter(Boolean),
    /** Service starts so far: node, epoch, pid. */
    starts: async () =>
      (await readFile(files.events, "utf8").catch(() => ""))
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const [, node, epoch, pid] = l.split(" ");
          return { node: node, epoch: epoch, pid: Number(pid) };
        }),
  };
}

/** Is this process running (a zombie no longer counts)? */
export async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  return stat !== null && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}
