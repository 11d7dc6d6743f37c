import { chmod, mkdir, mkdtemp, rm, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";

/** Disk a restore needs relative to the live database: the restored copy, its WAL, and headroom. */
export const DISK_FACTOR = 2.5;

/** Beside the data (the disk sized for it) but outside every data dir, which Litestream watches. */
export async function makeScratch(paths: HostPaths, app: string): Promise<string> {
  const parent = join(paths.run, "drills");
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parent, `${app}-`));
  await chmod(dir, 0o700);
  return dir;
}

export async function removeScratch(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function freeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
}

/** Pure: room to restore `liveBytes` (unknown without a live copy). */
export function hasRoom(free: number, liveBytes: number | undefined): boolean {
  return liveBytes === undefined || free >= DISK_FACTOR * liveBytes;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
