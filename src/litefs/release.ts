import type { AppSpec, HostConfig } from "../config/schema.js";
import type { PlannedCommand } from "../deploy/plan.js";
import { isLitefsApp } from "./paths.js";

/** No migrations, restores or backups happen on a LiteFS replica. */
export function isLitefsReplica(spec: AppSpec, host: HostConfig): boolean {
  return isLitefsApp(spec) && host.litefs?.role === "replica";
}

// Replica databases are read-only and the primary migrates them, so nothing runs; a Procfile
// `release:` line is assumed to touch the database. collectstatic ran at build.
export function litefsReleaseCommands(
  spec: AppSpec,
  host: HostConfig,
  commands: readonly PlannedCommand[],
): PlannedCommand[] {
  return isLitefsReplica(spec, host) ? [] : [...commands];
}
