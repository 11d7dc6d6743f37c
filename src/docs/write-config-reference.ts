import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderConfigReference } from "./config-reference.js";

// Entry of `npm run docs:config`: rewrites docs/configuration.md from the schemas.
const target = fileURLToPath(new URL("../../docs/configuration.md", import.meta.url));
await writeFile(target, renderConfigReference());
console.log(`wrote ${target}`);
