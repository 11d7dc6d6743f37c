// Bundles the CLI (dist/cli/main.js, as tsc wrote it) into one entry file plus a chunk per lazily imported
// command, all in dist/cli/: one file read and compiled instead of ~150 modules resolved one by one (start-up
// is most of a short command's time, docs/benchmarks.md). Every other dist/ module stays as tsc wrote it (tests
// and benches import them). Chunks sit beside main.js, two levels below the package root like every module
// that finds a file by `new URL("../../…", import.meta.url)`. The AWS SDK stays external: it loads on first use.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { URL, fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("./dist/cli/", import.meta.url));
for (const file of readdirSync(out)) if (file.startsWith("bundle-")) rmSync(join(out, file));

export default {
  input: join(out, "main.js"),
  platform: "node",
  external: [/^node:/, /^@aws-sdk\//],
  logLevel: "warn",
  output: { dir: out, format: "esm", entryFileNames: "main.js", chunkFileNames: "bundle-[name]-[hash].js", minify: true },
};
