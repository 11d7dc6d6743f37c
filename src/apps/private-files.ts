import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { refuseSymlinkedDirs } from "../lib/safe-path.js";
import { isMissing } from "../lib/fs-errors.js";

/** Apps, SQLite and Litestream create files here with their own modes, so the directories are 0700.
 * chmod too: an older hostctl made them 0755. */
export async function ensurePrivateDirs(app: AppPaths, databases: readonly { path: string }[] = []): Promise<void> {
  await refuseSymlinkedDirs([app.root, app.data, app.media, app.snapshots, app.logs, app.releases, app.repo, app.push]);
  await refuseSymlinkedDirs(databases.flatMap((db) => databaseFolders(app, db.path)));
  for (const dir of [app.data, app.snapshots]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  // app.yml may hold alert URLs (secrets); older versions wrote it 0644.
  await chmod(app.spec, 0o600).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

/** Pure: the folders under data/ that a database path like `site/db.sqlite3` passes through. */
function databaseFolders(app: AppPaths, path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return parts.map((_, i) => join(app.data, ...parts.slice(0, i + 1)));
}

/** Restored, created or snapshotted databases and their -wal/-shm: 0600. */
export async function makeDatabasePrivate(path: string): Promise<void> {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    await chmod(file, 0o600).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }
}
