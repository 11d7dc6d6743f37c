#!/usr/bin/env node
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { enableCompileCache } from "./compile-cache.js";

// Runs the bundle (hostctl.cjs) with V8's code cache when built; tsc's output alone runs the
// modules as they are.
type Main = (argv: string[]) => Promise<number>;

async function program(): Promise<Main> {
  const bundle = fileURLToPath(new URL("./hostctl.cjs", import.meta.url));
  if (!existsSync(bundle)) return ((await import("./program.js")) as { main: Main }).main;
  enableCompileCache(fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, ""));
  return (createRequire(import.meta.url)(bundle) as { main: Main }).main;
}

process.exitCode = await (await program())(process.argv);
