import { posix } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { controlKey } from "../config/replica.js";
import { appPaths } from "../config/paths.js";
import type { HostContext } from "../host/context.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";

/**
 * Pure: the databases the app is known to have had (an earlier spec, this host's record, the replica's
 * markers, in that order of trust) that the spec no longer names, compared by file name as the replica keys them.
 */
export function droppedDatabases(spec: AppSpec, known: Iterable<string>): string[] {
  const current = new Set(spec.databases.map((db) => posix.basename(db.path)));
  const dropped = new Map<string, string>();
  for (const path of known) {
    const name = posix.basename(path);
    if (!current.has(name) && !dropped.has(name)) dropped.set(name, path);
  }
  return [...dropped.values()];
}

/**
 * Before a missing database is created fresh: when the app had another database the spec dropped, the edit is
 * most likely a rename, and an empty file would go live (and be replicated) in place of the data. Refused,
 * exit 1; a database created by hand (sqlite3) is "present" and passes, for an operator who means a new one.
 */
export async function refuseRenamedDatabase(spec: AppSpec, dbPath: string, ctx: HostContext, previous?: AppSpec): Promise<void> {
  const known = [...(previous?.databases.map((db) => db.path) ?? []), ...(await recordedDatabases(spec.name, ctx))];
  const dropped = droppedDatabases(spec, known);
  if (dropped.length === 0) return;
  const old = dropped.map((name) => `"${name}"`).join(", ");
  const data = `apps/${spec.name}/data`;
  // What to do is in the message, not a hint: a restart's refusal reaches the CLI through the control socket.
  throw new HostctlError(
    "DATABASE_RENAMED",
    `${spec.name}: database "${dbPath}" is missing and has no replica, while the app's database ${old} is no longer in app.yml; ` +
      `starting on an empty "${dbPath}" would hide its data, so it is not created. To rename it: ` +
      `hostctl app rename-db ${spec.name} ${dropped[0]} ${dbPath}; to keep the old name, put back path: ${dropped[0]} ` +
      `in apps/${spec.name}/app.yml; for a new empty database, create it first: ` +
      `sqlite3 ${data}/${dbPath} 'PRAGMA journal_mode=WAL'`,
  );
}

/** Databases this host recorded as replicated (state.json) and those with a marker in the replica target. */
async function recordedDatabases(app: string, ctx: HostContext): Promise<string[]> {
  const state = await readJsonFile<{ replicated?: Record<string, string> }>(appPaths(ctx.paths, app).state);
  const markers = await ctx.store.list(`${controlKey(ctx.store.target, "markers", app)}/`);
  return [
    ...Object.keys(state?.replicated ?? {}),
    ...markers.filter((key) => key.endsWith(".json")).map((key) => posix.basename(key).slice(0, -".json".length)),
  ];
}
