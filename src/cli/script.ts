import { fileURLToPath } from "node:url";

/**
 * The CLI's entry file (dist/cli/main.js), for what runs hostctl again (push hooks). This module sits beside
 * main.js both as tsc writes it and inside the bundle (rolldown.config.mjs), so the relative URL holds in both.
 */
export function cliScript(): string {
  return fileURLToPath(new URL("./main.js", import.meta.url));
}
