import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { existsSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The shipped single-file CLI (scripts/build-cli.mjs, run by pretest): tests run what operators run. */
export const CLI_BUNDLE = path.join(ROOT, "dist/failoverctl.mjs");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the bundled failoverctl as a process with only the environment given (plus PATH and HOME
 * pointing nowhere, so no operator's config file is read), to its exit.
 */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  if (!existsSync(CLI_BUNDLE)) throw new Error("no dist/failoverctl.mjs: run `node scripts/build-cli.mjs` (npm test does)");
  return new Promise((resolve, reject) => {
    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, [CLI_BUNDLE, ...args], {
      env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: "/nonexistent", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`failoverctl ${args.join(" ")} ran over ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
