import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isDatabaseName } from "../lib/database-files.js";
import { isSafeRelativePath, type FileStamp } from "./plan.js";
import { isMissingOrNotDir } from "../lib/fs-errors.js";

/** Temp files of hostctl's own atomic writes (restoreMedia), half-written by definition. */
const HOSTCTL_TEMP = /^\..+\.[0-9a-f]{8}\.tmp$/;

export function isHostctlTemp(name: string): boolean {
  return HOSTCTL_TEMP.test(name);
}

async function walk(root: string, relative: string, out: Map<string, FileStamp>): Promise<void> {
  let entries;
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    if (isMissingOrNotDir(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    // A database an app keeps in its media directory is live data, never media (docs/security.md).
    if (!isSafeRelativePath(path) || HOSTCTL_TEMP.test(entry.name) || isDatabaseName(entry.name)) continue;
    // readdir does not follow symlinks, so a link never pulls outside files into the replica.
    if (entry.isDirectory()) await walk(root, path, out);
    else if (entry.isFile()) {
      try {
        const info = await lstat(join(root, path));
        if (info.isFile()) out.set(path, { size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
      } catch (error) {
        if (!isMissingOrNotDir(error)) throw error;
      }
    }
  }
}

/** By "/"-separated relative path; symlinks and databases are skipped. */
export async function scanMedia(mediaDir: string): Promise<Map<string, FileStamp>> {
  const out = new Map<string, FileStamp>();
  await walk(mediaDir, "", out);
  return out;
}

/** For `status`; a missing directory counts as empty. */
export async function mediaStats(mediaDir: string): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  const files = await scanMedia(mediaDir);
  for (const stamp of files.values()) bytes += stamp.size;
  return { files: files.size, bytes };
}
