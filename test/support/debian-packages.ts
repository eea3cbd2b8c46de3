import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Null when every file is there, installing Debian's packages first where it can (root with
 * apt-get, as on CI); else one line saying why the test cannot run here.
 */
export function debianPackageProblem(packages: string[], files: string[]): string | null {
  const present = () => files.every((f) => existsSync(f));
  if (present()) return null;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get"))
    return `needs Debian's ${packages.join(", ")} (apt-get install ${packages.join(" ")}, as root)`;
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", ...packages], {
      stdio: "ignore",
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (err) {
    return `could not install ${packages.join(", ")}: ${(err as Error).message.split("\n")[0]}`;
  }
  return present() ? null : `${packages.join(", ")} installed but ${files.find((f) => !existsSync(f))} is missing`;
}
