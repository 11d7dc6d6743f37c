import { constants } from "node:fs";
import { chown, copyFile, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { ensurePrivateDirs, makeDatabasePrivate } from "../apps/private-files.js";
import { engineOf } from "../litestream/select.js";
import { dirname, join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths, type AppPaths } from "../config/paths.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { litestreamEnv } from "../s3/credentials.js";
import { replicaState, type ReplicaState } from "../s3/replica-state.js";
import { locallyReplicated, readMarker } from "./markers.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";
import { loadApps } from "../apps/registry.js";
import { refuseRenamedDatabase } from "./renamed-database.js";
import { isMissing } from "../lib/fs-errors.js";

export type DatabaseAction = "present" | "restored" | "fresh";

export interface DatabaseRestore {
  path: string;
  action: DatabaseAction;
  restore_ms?: number;
  generation?: string;
  strays?: string[];
}

export interface EnsureOptions {
  timestamp?: string;
  /** A copy made before anything opens the database: the first deploy's pre-migration snapshot
   * then needs no second copy through SQLite. */
  keepRestoredCopy?: boolean;
  /** Runs once, before the first `litestream restore`. */
  beforeRestore?: () => Promise<void>;
}

/** A dot-directory, so pruning, which keeps the newest release snapshots, never counts it. */
export function restoredCopiesDir(app: AppPaths): string {
  return join(app.snapshots, ".restored");
}

export function restoredCopyPath(app: AppPaths, dbPath: string): string {
  return join(restoredCopiesDir(app), dbPath);
}

/** A plain file copy is consistent: nothing writes the database until Litestream starts. */
async function keepCopy(app: AppPaths, dbPath: string, live: string): Promise<void> {
  const copy = restoredCopyPath(app, dbPath);
  await mkdir(dirname(copy), { recursive: true, mode: 0o700 });
  await copyFile(live, copy, constants.COPYFILE_FICLONE);
  await makeDatabasePrivate(copy);
}

/** Never deleted; returns the new names. */
async function moveAside(db: string, suffixes: readonly string[], tag: string, now: Date): Promise<string[]> {
  const stamp = now.toISOString().replace(/[:.]/g, "");
  const moved: string[] = [];
  for (const suffix of suffixes) {
    const file = `${db}${suffix}`;
    if (await pathExists(file)) {
      const aside = `${file}.${tag}-${stamp}`;
      await rename(file, aside);
      moved.push(aside);
    }
  }
  return moved;
}

/** Never deleted: they are evidence. */
function setStraysAside(db: string, now: Date): Promise<string[]> {
  return moveAside(db, ["-wal", "-shm", ".tmp-wal", ".tmp-shm", "-journal"], "stray", now);
}

/** Another host wrote the replica since: replicating our copy would start a generation a later
 * restore picks over its writes. Renamed aside, never deleted; an empty replica's copy stays. */
export async function setStaleDatabasesAside(spec: AppSpec, ctx: HostContext): Promise<string[]> {
  const app = appPaths(ctx.paths, spec.name);
  const now = ctx.clock.now();
  const moved: string[] = [];
  for (const db of spec.databases) {
    const path = join(app.data, db.path);
    if (!(await pathExists(path))) continue;
    if ((await replicaState(ctx.store, spec.name, db.path, engineOf(ctx))).state === "empty") continue;
    await moveAside(path, ["", "-wal", "-shm"], "stale", now);
    moved.push(db.path);
  }
  return moved;
}

/** Bytes 18-19 are 2 in a WAL database; reading 20 bytes spares a sqlite3 process every boot. */
async function headerSaysWal(db: string): Promise<boolean> {
  const file = await open(db, "r").catch((error: unknown) => {
    // A fresh database: the PRAGMA creates it.
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (file === undefined) return false;
  try {
    const header = Buffer.alloc(20);
    const { bytesRead } = await file.read(header, 0, 20, 0);
    return (
      bytesRead === 20 &&
      header.toString("latin1", 0, 16) === "SQLite format 3\0" &&
      header[18] === 2 &&
      header[19] === 2
    );
  } finally {
    await file.close();
  }
}

async function setWal(ctx: HostContext, db: string): Promise<void> {
  if (await headerSaysWal(db)) return;
  const rows = await sqliteQuery(ctx.run, db, "PRAGMA journal_mode=WAL;");
  if (rows[0]?.journal_mode !== "wal")
    throw new HostctlError(
      "RESTORE_FAILED",
      `${db}: could not switch to WAL mode (got ${String(rows[0]?.journal_mode)})`,
    );
}

/** `beside` runs while quick_check reads the file (and may only read it); a file that fails the
 * check discards what `beside` made. */
export async function restoreDatabase(
  ctx: HostContext,
  spec: AppSpec,
  dbPath: string,
  configPath: string,
  timestamp?: string,
  beside?: { run: () => Promise<void>; discard: () => Promise<void> },
): Promise<{ ms: number; generation: string | undefined }> {
  const started = Date.now();
  let output;
  try {
    output = await ctx.run(
      ctx.litestream,
      engineOf(ctx).restoreArgs({ configPath, dbPath, ...(timestamp ? { timestamp } : {}) }),
      {
        env: litestreamEnv(ctx.credentials),
        cleanEnv: true,
        timeoutMs: 60 * 60_000,
      },
    );
  } catch (error) {
    throw new HostctlError(
      "RESTORE_FAILED",
      `${spec.name}: litestream restore of ${dbPath} failed: ${errorMessage(error)}`,
      {
        cause: error,
        hint: `run: hostctl doctor; then hostctl restore ${spec.name}`,
      },
    );
  } finally {
    // 0.3.13 leaves the temporary WAL and SHM of its work file behind.
    await Promise.all(
      engineOf(ctx)
        .restoreLeftovers(dbPath)
        .map((file) => rm(file, { force: true })),
    );
  }
  const ms = Date.now() - started;
  const generation = engineOf(ctx).restoredFrom(`${output.stderr}\n${output.stdout}`) ?? undefined;
  const alongside = beside?.run();
  const check = await sqliteQuery(ctx.run, dbPath, "PRAGMA quick_check;", { readonly: true }).catch(
    async (error: unknown) => {
      await alongside;
      await beside?.discard();
      throw error;
    },
  );
  await alongside;
  if (check[0]?.quick_check !== "ok") {
    await beside?.discard();
    await rename(dbPath, `${dbPath}.corrupt-${Date.now()}`);
    throw new HostctlError(
      "RESTORE_FAILED",
      `${spec.name}: restored ${dbPath} failed PRAGMA quick_check: ${JSON.stringify(check.slice(0, 3))}`,
    );
  }
  // Restore writes as whoever ran it: give it the data directory's owner, unreadable by others.
  const owner = await stat(dirname(dbPath));
  await chown(dbPath, owner.uid, owner.gid);
  await makeDatabasePrivate(dbPath);
  return { ms, generation };
}

/** Throws when unreadable: restore-on-boot is fail-closed, never an empty file over real data. */
export async function readableReplicaState(
  ctx: HostContext,
  app: string,
  database: string,
): Promise<Exclude<ReplicaState, { state: "unreachable" }>> {
  const state = await replicaState(ctx.store, app, database, engineOf(ctx));
  if (state.state !== "unreachable") return state;
  throw new HostctlError(
    state.error.code,
    `${app}: ${database} is missing and its replica cannot be read, so the app is not started: ${state.error.message}`,
    {
      cause: state.error,
      ...(state.error.hint ? { hint: state.error.hint } : {}),
    },
  );
}

/** Commands restore against the replica hostctl.yml names now; restore-on-boot does not rewrite. */
export async function refreshLitestreamConfigs(spec: AppSpec, ctx: HostContext): Promise<void> {
  if (spec.databases.length > 0)
    await writeLitestreamConfigs(ctx.paths, ctx.host, await loadApps(ctx.paths), { engine: engineOf(ctx) });
}

/** A database created fresh in place of a dropped one (a rename) is refused while the app still
 * runs on its old spec. */
export async function refuseRenamedDatabases(spec: AppSpec, previous: AppSpec, ctx: HostContext): Promise<void> {
  const app = appPaths(ctx.paths, spec.name);
  try {
    for (const db of spec.databases) {
      if (await pathExists(join(app.data, db.path))) continue;
      if ((await readableReplicaState(ctx, spec.name, db.path)).state === "exists") continue;
      await refuseRenamedDatabase(spec, db.path, ctx, previous);
    }
  } catch (error) {
    // `restart` wrote the edited spec's config: restore the running one so a respawned Litestream
    // keeps replicating the database the app still writes.
    const apps = (await loadApps(ctx.paths)).map((other) => (other.name === previous.name ? previous : other));
    await writeLitestreamConfigs(ctx.paths, ctx.host, apps, { engine: engineOf(ctx) });
    throw error;
  }
}

/** With no release yet, a copy of what is restored becomes the first deploy's snapshot. */
export async function restoreOnBoot(spec: AppSpec, ctx: HostContext): Promise<DatabaseRestore[]> {
  const firstRelease = !(await pathExists(appPaths(ctx.paths, spec.name).current));
  return ensureDatabases(spec, ctx, { keepRestoredCopy: firstRelease });
}

/** Throws, creating nothing, when the replica is unreadable or a marker says data existed: an
 * empty file would start a generation a later restore could pick over the real data. */
export async function ensureDatabases(
  spec: AppSpec,
  ctx: HostContext,
  options: EnsureOptions = {},
): Promise<DatabaseRestore[]> {
  const app = appPaths(ctx.paths, spec.name);
  await ensurePrivateDirs(app, spec.databases);
  // An earlier boot's copies may not match this boot's restore: never handed on.
  if (options.keepRestoredCopy) await rm(restoredCopiesDir(app), { recursive: true, force: true });
  const results: DatabaseRestore[] = [];
  let prepared: Promise<void> | undefined;
  for (const db of spec.databases) {
    const path = join(app.data, db.path);
    if (await pathExists(path)) {
      await setWal(ctx, path);
      results.push({ path: db.path, action: "present" });
      continue;
    }
    const state = await readableReplicaState(ctx, spec.name, db.path);
    await mkdir(dirname(path), { recursive: true });
    const strays = await setStraysAside(path, ctx.clock.now());
    if (state.state === "exists") {
      await (prepared ??= options.beforeRestore?.() ?? Promise.resolve());
      // Made while quick_check reads the file: both only read it.
      const copy = options.keepRestoredCopy
        ? {
            // Only a saving: a failed copy is removed; the first deploy takes a .backup.
            run: () => keepCopy(app, db.path, path).catch(() => rm(restoredCopyPath(app, db.path), { force: true })),
            discard: () => rm(restoredCopyPath(app, db.path), { force: true }),
          }
        : undefined;
      const { ms, generation } = await restoreDatabase(ctx, spec, path, app.litestreamConfig, options.timestamp, copy);
      await setWal(ctx, path);
      results.push({
        path: db.path,
        action: "restored",
        restore_ms: ms,
        ...(generation ? { generation } : {}),
        ...(strays.length ? { strays } : {}),
      });
      continue;
    }
    const marker = await readMarker(ctx, spec.name, db.path);
    const local = await locallyReplicated(ctx, spec.name, db.path);
    if (marker || local) {
      const since = marker?.first_replicated_at ?? local ?? "";
      throw new HostctlError(
        "REPLICA_MARKER_MISMATCH",
        `${spec.name}: ${db.path} is missing and its replica is empty, but it has been replicated since ${since}; refusing to start on an empty database`,
        {
          hint: "check replica.url in hostctl.yml (a wrong prefix looks empty); if the data is truly gone, delete the marker under _hostctl/markers/ in the replica target",
        },
      );
    }
    await refuseRenamedDatabase(spec, db.path, ctx);
    await setWal(ctx, path);
    await makeDatabasePrivate(path);
    results.push({ path: db.path, action: "fresh", ...(strays.length ? { strays } : {}) });
  }
  return results;
}
