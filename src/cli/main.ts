#!/usr/bin/env node
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { enableCompileCache } from "./compile-cache.js";

/**
 * hostctl's entry. A build (npm run build) bundles the program into hostctl.cjs beside this file
 * (rolldown.config.mjs), run here with V8's code cache; without the bundle (tsc's output alone) the modules
 * run as they are.
 */
type Main = (argv: string[]) => Promise<number>;

async function program(): Promise<Main> {
  const bundle = fileURLToPath(new URL("./hostctl.cjs", import.meta.url));
  if (!existsSync(bundle)) return ((await import("./program.js")) as { main: Main }).main;
  enableCompileCache(fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, ""));
  return (createRequire(import.meta.url)(bundle) as { main: Main }).main;
}

process.exitCode = await (await program())(process.argv);
