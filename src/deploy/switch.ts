import { randomBytes } from "node:crypto";
import { rename, rm, symlink } from "node:fs/promises";
import { join, relative } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { readReleaseMeta, writeReleaseMeta } from "./releases.js";

/**
 * Points `current` at a release atomically: a new symlink under a temp name, then rename(2) over the
 * old one, so a reader sees the old or the new release and never a missing link. The link is
 * relative (`releases/<id>`) so the home directory can be moved. Records the activation time in
 * the release's metadata, which is what "previous release" (rollback, pruning) is based on.
 */
export async function switchCurrent(app: AppPaths, releaseDir: string, now: Date = new Date()): Promise<void> {
  const tmp = join(app.root, `.current-${randomBytes(4).toString("hex")}`);
  await symlink(relative(app.root, releaseDir), tmp);
  try {
    await rename(tmp, app.current);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  const meta = await readReleaseMeta(releaseDir);
  if (meta) await writeReleaseMeta(releaseDir, { ...meta, activated_at: [...meta.activated_at, now.toISOString()].slice(-20) });
}
