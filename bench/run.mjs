// Runs every bench/*.bench.mjs (or those whose name contains an argument) one after another.
// Each benchmark prints its own side-by-side figures and ratios, measured in the same run.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(dir).filter((f) => f.endsWith(".bench.mjs")).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(process.execPath, [`${dir}${bench}`], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
