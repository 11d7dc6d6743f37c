import { randomBytes } from "node:crypto";
import { rename, rm, symlink } from "node:fs/promises";
import { join, relative } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { readReleaseMeta, writeReleaseMeta } from "./releases.js";

/** Temp symlink then rename(2): a reader never sees a missing link. Relative, so home can move.
 * The activation time recorded here is what "previous release" is based on. */
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
  if (meta)
    await writeReleaseMeta(releaseDir, { ...meta, activated_at: [...meta.activated_at, now.toISOString()].slice(-20) });
}
