import { lstat, mkdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { ObjectInfo } from "../s3/store.js";
import { mediaPrefix, relativeTo } from "./replica-keys.js";
import { forEachLimit } from "../lib/pool.js";
import { isSafeRelativePath, type FileStamp } from "./plan.js";
import { mediaStatePath, readMediaState, writeMediaState } from "./state.js";
import { isMissing } from "../lib/fs-errors.js";

export interface MediaRestoreResult {
  /** Live media objects of the app that are now in the media directory, and their bytes. */
  files: number;
  bytes: number;
  /** How many of them were downloaded (the rest were already present with the same size). */
  downloaded: number;
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** No symlink among the file's existing ancestors leads out of the media dir. */
export async function hasPlainAncestors(mediaDir: string, path: string): Promise<boolean> {
  const parts = path.split("/").slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const info = await lstatOrUndefined(join(mediaDir, ...parts.slice(0, i)));
    if (info === undefined) return true;
    if (!info.isDirectory()) return false;
  }
  return true;
}

async function restoreOne(
  ctx: HostContext,
  app: string,
  mediaDir: string,
  object: ObjectInfo,
  path: string,
): Promise<{ stamp: FileStamp; downloaded: boolean } | undefined> {
  const file = join(mediaDir, path);
  if (!(await hasPlainAncestors(mediaDir, path))) {
    ctx.log.warn(
      { event: "media.restore_skipped", app, path },
      "a parent of this media file is not a directory; skipped",
    );
    return undefined;
  }
  const present = await lstatOrUndefined(file);
  if (present && !present.isFile()) {
    ctx.log.warn({ event: "media.restore_skipped", app, path }, "something other than a file is in the way; skipped");
    return undefined;
  }
  let downloaded = false;
  if (present?.size !== object.size) {
    if (!(await ctx.store.getFile(object.location, file))) return undefined;
    // The object's time as mtime: the file reads "unchanged since upload" if sync state is lost.
    await utimes(file, object.lastModified, object.lastModified);
    downloaded = true;
  }
  const info = await lstat(file);
  return { stamp: { size: info.size, mtimeMs: Math.trunc(info.mtimeMs) }, downloaded };
}

/** Same-size files are kept; what is restored is recorded so the next round does not upload it. */
export async function restoreMedia(
  app: string,
  mediaDir: string,
  ctx: HostContext,
  options: { stateFile?: string } = {},
): Promise<MediaRestoreResult> {
  const prefix = mediaPrefix(ctx.store.target, app);
  const stateFile = options.stateFile ?? mediaStatePath(ctx.paths, app);
  await mkdir(mediaDir, { recursive: true });
  const objects = await ctx.store.listDetailed(prefix);
  const state = (await readMediaState(stateFile)) ?? { version: 1, files: {} };
  const result: MediaRestoreResult = { files: 0, bytes: 0, downloaded: 0 };
  try {
    await forEachLimit(objects, 4, async (object) => {
      const path = relativeTo(prefix, object.location);
      if (path === undefined || !isSafeRelativePath(path)) {
        ctx.log.warn(
          { event: "media.restore_skipped", app, location: object.location },
          "media object name is not a safe relative path; skipped",
        );
        return;
      }
      const restored = await restoreOne(ctx, app, mediaDir, object, path);
      if (!restored) return;
      state.files[path] = restored.stamp;
      result.files++;
      result.bytes += restored.stamp.size;
      if (restored.downloaded) result.downloaded++;
    });
  } finally {
    await writeMediaState(stateFile, state);
  }
  return result;
}
