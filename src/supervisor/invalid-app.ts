import type { AppStatus } from "./control-protocol.js";
import { appPaths, type HostPaths } from "../config/paths.js";

/** Failed, with the reason, nothing running. */
export function invalidAppStatus(paths: HostPaths, name: string, reason: string): AppStatus {
  return {
    name,
    kind: "?",
    state: "failed",
    reason: `app.yml is invalid, the app is not started: ${reason}`,
    next_retry_at: undefined,
    release: undefined,
    data_dir: appPaths(paths, name).data,
    port: 0,
    domains: [],
    live_port: undefined,
    processes: [],
    litestream: { state: "none", replicating: false },
    databases: [],
  };
}
