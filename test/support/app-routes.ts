import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export type AppRoute = { method: (typeof METHODS)[number]; path: string; file: string };

/**
 * Every API route the app serves, read from app/api/** /route.ts and the methods each exports, so
 * a route added without an access rule makes the access matrix test fail.
 */
export function appRoutes(): AppRoute[] {
  const routes: AppRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const source = readFileSync(full, "utf8");
        const urlPath = "/" + path.relative(path.join(ROOT, "app"), path.dirname(full)).split(path.sep).join("/");
        for (const method of METHODS) {
          const exported = new RegExp(`export (const|async function|function) ${method}\\b|export \\{[^}]*\\bas ${method}\\b[^}]*\\}`).test(source);
          if (exported) routes.push({ method, path: urlPath, file: path.relative(ROOT, full) });
        }
      }
    }
  };
  walk(path.join(ROOT, "app/api"));
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
