import { fileURLToPath } from "node:url";

// For push hooks. This module sits beside main.js both in tsc's output and in the bundle, so the
// relative URL holds in both.
export function cliScript(): string {
  return fileURLToPath(new URL("./main.js", import.meta.url));
}
