// Bundles the CLI's program (dist/cli/program.js, as tsc wrote it) into one CommonJS file, dist/cli/hostctl.cjs,
// plus a chunk per lazily imported command, all in dist/cli/: one file read and compiled instead of ~150 modules
// resolved one by one, and CommonJS so that dist/cli/main.js can run it with V8's code cache (src/cli/compile-cache.ts;
// start-up is most of a short command's time, docs/benchmarks.md). Every other dist/ module stays as tsc wrote it
// (tests and benches import them). Chunks sit beside main.js, two levels below the package root like every module
// that finds a file by `new URL("../../…", import.meta.url)`. The AWS SDK stays external: it loads on first use.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { URL, fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("./dist/cli/", import.meta.url));
for (const file of readdirSync(out)) if (file.startsWith("bundle-") || file === "hostctl.cjs") rmSync(join(out, file));

export default {
  input: join(out, "program.js"),
  platform: "node",
  external: [/^node:/, /^@aws-sdk\//],
  logLevel: "warn",
  // No import() is left in the bundle (dynamicImportInCjs: false makes each a require): V8 code read from
  // the cache on Node 20 runs without a dynamic-import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
  output: {
    dir: out,
    format: "cjs",
    entryFileNames: "hostctl.cjs",
    chunkFileNames: "bundle-[name]-[hash].cjs",
    minify: true,
    dynamicImportInCjs: false,
  },
};
