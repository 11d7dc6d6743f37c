import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";

/**
 * Written by `hostctl up` while it waits for another host's lease, removed when the wait ends: it has no
 * control socket yet, so this is what `hostctl status` shows.
 */
export interface LeaseWait {
  pid: number;
  since: string;
  reason: string;
}

export function leaseWaitPath(paths: HostPaths): string {
  return join(paths.run, "lease-wait.json");
}
