import { rename } from "node:fs/promises";
import { join, posix } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { validateAppSpec } from "../config/app.js";
import { appPaths } from "../config/paths.js";
import type { HostContext } from "../host/context.js";
import { HostctlError, usageError } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { engineOf } from "../litestream/select.js";
import { replicaState } from "../s3/replica-state.js";

/** Pure: an app.yml already edited to `to` (a rename a restart refused) is taken as it is. */
export function renamedSpec(spec: AppSpec, from: string, to: string, file: string): AppSpec {
  const paths = spec.databases.map((db) => db.path);
  if (from === to) throw usageError(`argument NEW "${to}": the database is already called that`);
  if (paths.includes(from) && paths.includes(to))
    throw usageError(`argument NEW "${to}": ${spec.name} already has a database "${to}"`);
  if (!paths.includes(from) && !paths.includes(to))
    throw usageError(
      `argument OLD "${from}": ${spec.name} has no database "${from}" (databases: ${paths.join(", ") || "none"})`,
    );
  const databases = spec.databases.map((db) => (db.path === from ? { path: to } : db));
  return validateAppSpec({ ...spec, databases }, file);
}

/** Refused before anything stops: a missing source, or a target here or in the replica. */
export async function checkDatabaseRename(spec: AppSpec, from: string, to: string, ctx: HostContext): Promise<void> {
  const data = appPaths(ctx.paths, spec.name).data;
  if (!(await pathExists(join(data, from))))
    throw new HostctlError("DB_MISSING", `${spec.name}: ${join(data, from)} does not exist; nothing to rename`, {
      hint: `to bring the data back instead: hostctl restore ${spec.name}`,
    });
  if (await pathExists(join(data, to)))
    throw new HostctlError("DB_EXISTS", `${spec.name}: ${join(data, to)} already exists`, { exitCode: 2 });
  if ((await replicaState(ctx.store, spec.name, to, engineOf(ctx))).state !== "empty")
    throw new HostctlError(
      "DB_EXISTS",
      `${spec.name}: the replica already holds a database "${posix.basename(to)}" (or cannot be read)`,
      {
        hint: "pick another name, or check: hostctl doctor",
      },
    );
}

/** The WAL is folded in first so nothing lives only in a -wal left behind. */
export async function moveDatabaseFile(spec: AppSpec, from: string, to: string, ctx: HostContext): Promise<void> {
  const data = appPaths(ctx.paths, spec.name).data;
  const [source, target] = [join(data, from), join(data, to)];
  await sqliteQuery(ctx.run, source, "PRAGMA wal_checkpoint(TRUNCATE);");
  for (const suffix of ["-wal", "-shm"])
    if (await pathExists(`${source}${suffix}`)) await rename(`${source}${suffix}`, `${target}${suffix}`);
  await rename(source, target);
}
