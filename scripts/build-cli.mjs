// Bundles the operator CLI into one file, dist/failoverctl.mjs, that needs only Node.js 20+:
// copy it anywhere and run `node failoverctl.mjs list` (or put it on PATH; it is executable).
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const outfile = "dist/failoverctl.mjs";
const { metafile } = await build({
  entryPoints: ["cli/entry.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  legalComments: "none",
  metafile: true,
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
// The CLI speaks HTTP only: a database driver or the console's framework pulled in through a
// shared import would bloat it and tie it to the server's dependencies.
const serverOnly = Object.keys(metafile.inputs).filter((f) => /node_modules\/(pg|@prisma|prisma|next|next-auth|react)\//.test(f));
if (serverOnly.length) throw new Error(`${outfile} would bundle server-only modules: ${serverOnly.slice(0, 5).join(", ")}`);
chmodSync(outfile, 0o755);
console.log(`built ${outfile}`);
