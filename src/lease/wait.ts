import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";

/** `up` has no control socket while it waits, so `hostctl status` shows this file. */
export interface LeaseWait {
  pid: number;
  since: string;
  reason: string;
}

export function leaseWaitPath(paths: HostPaths): string {
  return join(paths.run, "lease-wait.json");
}
