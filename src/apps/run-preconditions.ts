import { realpath } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { appPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { databaseDirOf } from "../litefs/paths.js";

/** The live release's directory (through `current`), or an error saying there is none yet. */
export async function liveReleaseDir(paths: HostPaths, spec: AppSpec): Promise<string> {
  const app = appPaths(paths, spec.name);
  if (!(await pathExists(app.current))) {
    throw new HostctlError("RELEASE_NOT_FOUND", `${spec.name} has no live release yet`, {
      hint: `run: hostctl deploy ${spec.name}`,
    });
  }
  return realpath(app.current);
}

/** Django would create an empty file for a missing database, and Litestream would ship it as a
 * generation that shadows the replica a restore should bring back. */
export async function requireDatabases(paths: HostPaths, spec: AppSpec, what: string): Promise<void> {
  const app = appPaths(paths, spec.name);
  const missing: string[] = [];
  for (const db of spec.databases)
    if (!(await pathExists(join(databaseDirOf(spec, app), db.path)))) missing.push(db.path);
  if (missing.length > 0) {
    throw new HostctlError(
      "DB_MISSING",
      `not running ${what}: ${spec.name}'s ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing from ${app.data}; it would create an empty database that shadows the replica`,
      {
        hint: `restore first: hostctl restore ${spec.name} (or start hostctl up, which restores on boot)`,
      },
    );
  }
}
