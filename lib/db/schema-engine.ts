import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { pgConfig } from "./database-url";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";

// The WebAssembly build of Prisma's schema engine: the native one is downloaded at run time,
// which this product must never need. The package imports its .wasm as an ES module, which Node
// cannot do, so it is instantiated here by hand.
let instantiated: Promise<void> | undefined;

function instantiateWasm(): Promise<void> {
  instantiated ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgJs = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await readFile(path.join(path.dirname(bgJs), "schema_engine_bg.wasm"));
    const wasmModule = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(wasmModule, { "./schema_engine_bg.js": bg });
    (bg as unknown as { __wbg_set_wasm(x: unknown): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  })();
  return instantiated;
}

export type SchemaEngineOptions = {
  /** Where to connect; omit for database-free work such as diffing two datamodels. */
  connectionString?: string;
  /** Receives the engine's log lines. */
  onLog?: (line: string) => void;
};

// adapter-pg's executeScript splits a script on every ";", which breaks dollar-quoted function
// bodies in hand-written migrations. Send the script whole instead: PostgreSQL's simple query
// protocol runs a multi-statement string as one implicit transaction, so a migration is atomic.
class WholeScriptPg extends PrismaPg {
  readonly opened: { dispose(): Promise<void> }[] = [];
  override async connect() {
    const adapter = await super.connect();
    const pool = (adapter as unknown as { client: { query(sql: string): Promise<unknown> } }).client;
    adapter.executeScript = async (script: string) => {
      await pool.query(script);
    };
    this.opened.push(adapter);
    return adapter;
  }
}

export type OpenSchemaEngine = SchemaEngine & {
  /** Frees the engine and closes its connections (free() alone leaves the pool open). */
  close(): Promise<void>;
};

export async function openSchemaEngine({ connectionString, onLog }: SchemaEngineOptions = {}): Promise<OpenSchemaEngine> {
  await instantiateWasm();
  const factory = new WholeScriptPg(pgConfig(connectionString ?? "postgresql://localhost/unused", {}));
  const Engine = (bg as unknown as { SchemaEngine: typeof SchemaEngine }).SchemaEngine;
  const engine = await Engine.new({ datamodels: undefined }, (line: string) => onLog?.(line), bindMigrationAwareSqlAdapterFactory(factory));
  return Object.assign(engine, {
    async close() {
      engine.free();
      await Promise.all(factory.opened.map((a) => a.dispose().catch(() => {})));
    },
  });
}

export const noSchemaFilter = { externalTables: [], externalEnums: [] };
