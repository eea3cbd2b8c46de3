// Bundles the operator CLI into one file, dist/failoverctl.mjs, that needs only Node.js 20+:
// copy it anywhere and run `node failoverctl.mjs list` (or put it on PATH; it is executable).
import { chmodSync } from "node:fs";
import { build } from "esbuild";

const outfile = "dist/failoverctl.mjs";
await build({
  entryPoints: ["cli/entry.ts"],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile}`);
