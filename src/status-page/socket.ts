import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";

/** Where the supervisor serves the status page for Caddy (0600: Caddy runs as the same user). */
export function statusSocketPath(paths: HostPaths): string {
  return join(paths.run, "status.sock");
}
