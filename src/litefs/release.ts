import type { AppSpec, HostConfig } from "../config/schema.js";
import type { PlannedCommand } from "../deploy/plan.js";
import { isLitefsApp } from "./paths.js";

/** Whether this host is a LiteFS replica for the app: no migrations, restores or backups happen here. */
export function isLitefsReplica(spec: AppSpec, host: HostConfig): boolean {
  return isLitefsApp(spec) && host.litefs?.role === "replica";
}

/**
 * Pure: the release phase on a LiteFS replica. Its databases are read-only (LiteFS refuses writes there) and
 * the primary migrates them, so nothing runs (collectstatic, which writes into the release, ran at build); a
 * Procfile `release:` line is assumed to touch the database and is skipped.
 */
export function litefsReleaseCommands(spec: AppSpec, host: HostConfig, commands: readonly PlannedCommand[]): PlannedCommand[] {
  return isLitefsReplica(spec, host) ? [] : [...commands];
}
