import { chmod, mkdir } from "node:fs/promises";
import type { AppPaths } from "../config/paths.js";
import { refuseSymlinkedDirs } from "../lib/safe-path.js";
import { isMissing } from "../lib/fs-errors.js";

/** Apps, SQLite and Litestream create files here with their own modes, so the directories are 0700.
 * chmod too: an older hostctl made them 0755. */
export async function ensurePrivateDirs(app: AppPaths): Promise<void> {
  await refuseSymlinkedDirs([app.root, app.data, app.media, app.snapshots, app.logs, app.releases, app.repo, app.push]);
  for (const dir of [app.data, app.snapshots]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  // app.yml may hold alert URLs (secrets); older versions wrote it 0644.
  await chmod(app.spec, 0o600).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

/** Restored, created or snapshotted databases and their -wal/-shm: 0600. */
export async function makeDatabasePrivate(path: string): Promise<void> {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    await chmod(file, 0o600).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }
}
