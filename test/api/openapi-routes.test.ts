// The OpenAPI document against the route files: every route the app serves under /api/v1 (and
// /api/metrics) has its entry in API_ROUTES with the role and the very zod schemas its withAuth
// parses with, and every entry has its route. Reads the sources; needs no server.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_ROUTES, HTTP_METHODS, openApiDocument, type HttpMethod } from "../../lib/api/openapi";
import * as apiSchemas from "../../lib/api/schemas";
import * as notifySchemas from "../../lib/notify/schemas";
import { appRoutes } from "../support/app-routes";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** app/api/v1/clusters/[name]/route.ts serves /api/v1/clusters/{name}. */
const documentedPath = (routePath: string) => routePath.replace(/\[([^\]]+)\]/g, "{$1}");
const served = appRoutes()
  .filter((r) => r.path.startsWith("/api/v1/") || r.path === "/api/metrics")
  .map((r) => ({ ...r, documented: documentedPath(r.path), method: r.method.toLowerCase() as HttpMethod }));
/** The exported name of each request schema, to find it in a route's source. */
const schemaNames = new Map<unknown, string>(Object.entries({ ...apiSchemas, ...notifySchemas }).map(([name, schema]) => [schema, name]));

describe("the OpenAPI document covers every route, with the route's own role and schemas", () => {
  it("finds the routes (the walk itself works)", () => {
    expect(served.map((r) => `${r.method} ${r.documented}`)).toEqual(
      expect.arrayContaining(["get /api/v1/clusters", "post /api/v1/clusters/{name}/commands", "delete /api/v1/clusters/{name}/nodes/{node}"]),
    );
  });

  for (const route of served) {
    it(`${route.method.toUpperCase()} ${route.path} (${route.file}) is documented as served`, () => {
      const op = API_ROUTES[route.documented]?.[route.method];
      expect(op, `add "${route.documented}": { ${route.method}: ... } to API_ROUTES in lib/api/openapi.ts`).toBeDefined();
      // The handler's withAuth options, as written in the route file.
      const source = readFileSync(path.join(ROOT, route.file), "utf8");
      const options = new RegExp(`export const ${route.method.toUpperCase()} = withAuth\\(\\s*(\\{[^}]*\\})`).exec(source)?.[1];
      expect(options, `${route.file}: export const ${route.method.toUpperCase()} = withAuth({ ... })`).toBeDefined();
      expect(options).toMatch(new RegExp(`role: "${op!.role}"`));
      for (const key of ["params", "query", "body"] as const) {
        const schema = op![key];
        if (schema === undefined) {
          expect(options, `${route.file} parses ${key} that the document leaves out`).not.toMatch(new RegExp(`\\b${key}:`));
          continue;
        }
        const name = schemaNames.get(schema);
        expect(name, `the document's ${key} schema is not exported from lib/api/schemas.ts or lib/notify/schemas.ts`).toBeDefined();
        expect(options, `${route.file} parses ${key} with another schema than the document's ${name}`).toMatch(new RegExp(`\\b${key}: ${name}\\b`));
      }
      expect(/optionalBody: true/.test(options!)).toBe(op!.optionalBody === true);
      expect(/metricsToken: true/.test(options!)).toBe(op!.metricsToken === true);
      expect(/sessionOnly: true/.test(options!)).toBe(op!.sessionOnly === true);
    });
  }

  it("documents no route the app does not serve", () => {
    const servedKeys = new Set(served.map((r) => `${r.method} ${r.documented}`));
    const documented = Object.entries(API_ROUTES).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(documented.filter((k) => !servedKeys.has(k))).toEqual([]);
  });

  it("is an OpenAPI 3.1 document with both authentication schemes, path parameters as in the paths, and every $ref resolved", () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components?.securitySchemes).toMatchObject({
      apiToken: { type: "http", scheme: "bearer" },
      session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
    });
    expect(doc.security).toEqual([{ apiToken: [] }, { session: [] }]);
    for (const [p, item] of Object.entries(doc.paths ?? {})) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        const pathParams = (op.parameters ?? []).filter((x) => "in" in x && x.in === "path").map((x) => ("name" in x ? x.name : ""));
        expect(pathParams.sort(), `${method} ${p}`).toEqual(names);
        expect(Object.keys(op.responses ?? {}), `${method} ${p}`).toEqual(expect.arrayContaining(["401", "500"]));
      }
    }
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components?.schemas?.[ref], ref).toBeDefined();
  });
});
