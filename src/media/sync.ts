import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { parseDuration } from "../lib/duration.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { deletedMediaKey, deletedMediaPrefix, mediaKey, mediaPrefix, relativeTo } from "./replica-keys.js";
import { forEachLimit } from "../lib/pool.js";
import { planMediaSync, planPurge, type FileStamp } from "./plan.js";
import { scanMedia } from "./scan.js";
import { mediaStatePath, readMediaState, writeMediaState, type MediaState } from "./state.js";

export const DEFAULT_SETTLE_MS = 2000;
const DEFAULT_RETENTION_MS = 72 * 3_600_000;
const SAVE_EVERY = 100;

export interface MediaSyncOptions {
  /** Default: apps/<app>/media-state.json. */
  stateFile?: string;
  /** Default: ctx.clock.now(). */
  now?: Date;
  /** How long deleted files stay restorable. Default: the host's litestream.retention (72h). */
  retentionMs?: number;
  /** Still being written if modified this recently: waits for the next round. Default 2 s. */
  settleMs?: number;
  /** Uploads at once. Default 4. */
  concurrency?: number;
}

export interface MediaSyncResult {
  /** Regular files (and their bytes) in the media directory this round. */
  files: number;
  bytes: number;
  uploaded: number;
  uploadedBytes: number;
  deleted: number;
  purged: number;
  /** Files still being written, left for the next round. */
  pending: number;
}

export function mediaRetentionMs(ctx: HostContext): number {
  return parseDuration(ctx.host.litestream.retention) ?? DEFAULT_RETENTION_MS;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Without a state file, a replica object of matching size, not older, counts as uploaded; only
 * such files can be deleted later. */
export async function bootstrapState(
  ctx: HostContext,
  app: string,
  local: ReadonlyMap<string, FileStamp>,
): Promise<MediaState> {
  const prefix = mediaPrefix(ctx.store.target, app);
  const files: Record<string, FileStamp> = {};
  for (const object of await ctx.store.listDetailed(prefix)) {
    const path = relativeTo(prefix, object.location);
    const stamp = path === undefined ? undefined : local.get(path);
    if (path !== undefined && stamp && stamp.size === object.size && object.lastModified.getTime() >= stamp.mtimeMs)
      files[path] = stamp;
  }
  return { version: 1, files };
}

async function uploadAll(
  ctx: HostContext,
  app: string,
  mediaDir: string,
  paths: string[],
  local: ReadonlyMap<string, FileStamp>,
  state: MediaState,
  save: () => Promise<void>,
  concurrency: number,
): Promise<{ count: number; bytes: number }> {
  const done = { count: 0, bytes: 0 };
  await forEachLimit(paths, concurrency, async (path) => {
    const stamp = local.get(path);
    if (!stamp) return;
    try {
      await ctx.store.putFile(mediaKey(ctx.store.target, app, path), join(mediaDir, path));
    } catch (error) {
      if (error instanceof HostctlError) throw error;
      // A local problem (deleted or truncated since the scan): the next round sees it as it is.
      ctx.log.warn(
        { event: "media.upload_skipped", app, path, error: errorMessage(error) },
        "media file skipped this round",
      );
      return;
    }
    // The scan's stamp, not now's: a file changed during upload differs next round and goes again.
    state.files[path] = stamp;
    done.count++;
    done.bytes += stamp.size;
    if (done.count % SAVE_EVERY === 0) await save();
  });
  return done;
}

/** A deleted file stays restorable under media-deleted/<app>/<time>/ before the live one goes. */
async function deleteAll(
  ctx: HostContext,
  app: string,
  paths: string[],
  state: MediaState,
  now: Date,
): Promise<number> {
  for (const path of paths) {
    await moveAside(ctx, app, path, now);
    delete state.files[path];
  }
  return paths.length;
}

/** One deleted file: copied under media-deleted/<app>/<time>/, then the live object goes. */
export async function moveAside(ctx: HostContext, app: string, path: string, now: Date): Promise<void> {
  const target = ctx.store.target;
  const live = mediaKey(target, app, path);
  if (await ctx.store.copy(live, deletedMediaKey(target, app, now, path))) await ctx.store.delete(live);
}

export async function purgeExpired(ctx: HostContext, app: string, now: Date, retentionMs: number): Promise<number> {
  const prefix = deletedMediaPrefix(ctx.store.target, app);
  const objects = (await ctx.store.listDetailed(prefix)).map((object) => ({
    location: object.location,
    relative: relativeTo(prefix, object.location) ?? "",
  }));
  const expired = planPurge(objects, now, retentionMs);
  for (const location of expired) await ctx.store.delete(location);
  return expired.length;
}

/** Replica errors are thrown after the progress made so far is recorded. */
export async function syncMedia(
  app: string,
  mediaDir: string,
  ctx: HostContext,
  options: MediaSyncOptions = {},
): Promise<MediaSyncResult> {
  const now = options.now ?? ctx.clock.now();
  const stateFile = options.stateFile ?? mediaStatePath(ctx.paths, app);
  const result: MediaSyncResult = {
    files: 0,
    bytes: 0,
    uploaded: 0,
    uploadedBytes: 0,
    deleted: 0,
    purged: 0,
    pending: 0,
  };
  // A missing media dir is more likely an unmounted volume than an app that deleted every upload.
  if (await isDirectory(mediaDir)) {
    const local = await scanMedia(mediaDir);
    for (const stamp of local.values()) result.bytes += stamp.size;
    result.files = local.size;
    const state = (await readMediaState(stateFile)) ?? (await bootstrapState(ctx, app, local));
    const save = () => writeMediaState(stateFile, state);
    const plan = planMediaSync(local, state.files, now, options.settleMs ?? DEFAULT_SETTLE_MS);
    result.pending = plan.pending.length;
    try {
      const uploaded = await uploadAll(ctx, app, mediaDir, plan.upload, local, state, save, options.concurrency ?? 4);
      result.uploaded = uploaded.count;
      result.uploadedBytes = uploaded.bytes;
      result.deleted = await deleteAll(ctx, app, plan.remove, state, now);
    } finally {
      await save();
    }
  }
  result.purged = await purgeExpired(ctx, app, now, options.retentionMs ?? mediaRetentionMs(ctx));
  if (result.uploaded + result.deleted + result.purged > 0)
    ctx.log.info({ event: "media.synced", app, ...result }, "media synced");
  return result;
}
