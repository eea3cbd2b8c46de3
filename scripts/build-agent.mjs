// Bundles the agent into one file, dist/cluster-agent.mjs, for nodes that have only Node.js:
// copy it over and run `node cluster-agent.mjs --cluster ... --node ... --db ...`.
import { build } from "esbuild";

await build({
  entryPoints: ["agent/cli.ts"],
  outfile: "dist/cluster-agent.mjs",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // pg optionally requires pg-native; the agent uses the pure-JS driver.
  external: ["pg-native"],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
console.log("built dist/cluster-agent.mjs");
