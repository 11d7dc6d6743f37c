import { posix } from "node:path";
import type { HostContext } from "../host/context.js";
import { controlKey } from "../config/replica.js";
import { appPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";

/** `restore -if-replica-exists` reads an empty listing as "no replica", so a prefix typo looks
 * like a first boot; this marker tells "new app" from "lost replica". */
export interface ReplicationMarker {
  app: string;
  database: string;
  first_replicated_at: string;
  host: string;
}

export function markerKey(ctx: HostContext, app: string, dbPath: string): string {
  return controlKey(ctx.store.target, "markers", app, `${posix.basename(dbPath)}.json`);
}

export async function readMarker(
  ctx: HostContext,
  app: string,
  dbPath: string,
): Promise<ReplicationMarker | undefined> {
  const body = await ctx.store.get(markerKey(ctx, app, dbPath));
  return body === undefined ? undefined : (JSON.parse(body.toString()) as ReplicationMarker);
}

interface LocalState {
  replicated?: Record<string, string>;
}

export async function locallyReplicated(ctx: HostContext, app: string, dbPath: string): Promise<string | undefined> {
  const state = await readJsonFile<LocalState>(appPaths(ctx.paths, app).state);
  return state?.replicated?.[dbPath];
}

/** Idempotent. */
export async function markReplicated(ctx: HostContext, app: string, dbPath: string, host: string): Promise<void> {
  const file = appPaths(ctx.paths, app).state;
  const state = (await readJsonFile<LocalState>(file)) ?? {};
  if (state.replicated?.[dbPath] === undefined) {
    await writeJsonFile(file, {
      ...state,
      replicated: { ...state.replicated, [dbPath]: ctx.clock.now().toISOString() },
    });
  }
  if ((await readMarker(ctx, app, dbPath)) === undefined) {
    const marker: ReplicationMarker = {
      app,
      database: dbPath,
      first_replicated_at: ctx.clock.now().toISOString(),
      host,
    };
    await ctx.store.put(markerKey(ctx, app, dbPath), JSON.stringify(marker));
  }
}
