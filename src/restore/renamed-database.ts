import { posix } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { controlKey } from "../config/replica.js";
import { appPaths } from "../config/paths.js";
import type { HostContext } from "../host/context.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";

/** Pure: compared by file name, as the replica keys them. */
export function droppedDatabases(spec: AppSpec, known: Iterable<string>): string[] {
  const current = new Set(spec.databases.map((db) => posix.basename(db.path)));
  const dropped = new Map<string, string>();
  for (const path of known) {
    const name = posix.basename(path);
    if (!current.has(name) && !dropped.has(name)) dropped.set(name, path);
  }
  return [...dropped.values()];
}

/** A dropped database plus a missing one is likely a rename: an empty file would go live in place
 * of the data. A database created by hand (sqlite3) is "present" and passes. */
export async function refuseRenamedDatabase(
  spec: AppSpec,
  dbPath: string,
  ctx: HostContext,
  previous?: AppSpec,
): Promise<void> {
  const known = [...(previous?.databases.map((db) => db.path) ?? []), ...(await recordedDatabases(spec.name, ctx))];
  const dropped = droppedDatabases(spec, known);
  if (dropped.length === 0) return;
  const old = dropped.map((name) => `"${name}"`).join(", ");
  const data = `apps/${spec.name}/data`;
  // The fix is in the message, not a hint: a restart's refusal reaches the CLI via the socket.
  throw new HostctlError(
    "DATABASE_RENAMED",
    `${spec.name}: database "${dbPath}" is missing and has no replica, while the app's database ${old} is no longer in app.yml; ` +
      `starting on an empty "${dbPath}" would hide its data, so it is not created. To rename it: ` +
      `hostctl app rename-db ${spec.name} ${dropped[0]} ${dbPath}; to keep the old name, put back path: ${dropped[0]} ` +
      `in apps/${spec.name}/app.yml; for a new empty database, create it first: ` +
      `sqlite3 ${data}/${dbPath} 'PRAGMA journal_mode=WAL'`,
  );
}

/** Recorded in state.json as replicated, plus those with a marker in the replica target. */
async function recordedDatabases(app: string, ctx: HostContext): Promise<string[]> {
  const state = await readJsonFile<{ replicated?: Record<string, string> }>(appPaths(ctx.paths, app).state);
  const markers = await ctx.store.list(`${controlKey(ctx.store.target, "markers", app)}/`);
  return [
    ...Object.keys(state?.replicated ?? {}),
    ...markers.filter((key) => key.endsWith(".json")).map((key) => posix.basename(key).slice(0, -".json".length)),
  ];
}
