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
  /**
   * Keep a copy of each database restored now, made before anything opens it (restoredCopyPath): an app with
   * no release yet takes it as its first deploy's pre-migration snapshot instead of copying the database
   * again through SQLite (deploy/snapshot.ts).
   */
  keepRestoredCopy?: boolean;
  /** Runs once, before the first `litestream restore` (none when every database is present or fresh). */
  beforeRestore?: () => Promise<void>;
}

/**
 * Where restore-on-boot keeps the copies of the databases it restored (EnsureOptions.keepRestoredCopy). A
 * dot-directory under snapshots/, so pruning, which keeps the newest release snapshots, never counts it.
 */
export function restoredCopiesDir(app: AppPaths): string {
  return join(app.snapshots, ".restored");
}

export function restoredCopyPath(app: AppPaths, dbPath: string): string {
  return join(restoredCopiesDir(app), dbPath);
}

/**
 * The copy is a file copy (a reflink where the filesystem has them), consistent because nothing writes the
 * database yet: the restore just wrote it, quick_check only reads it, and Litestream starts after this.
 */
async function keepCopy(app: AppPaths, dbPath: string, live: string): Promise<void> {
  const copy = restoredCopyPath(app, dbPath);
  await mkdir(dirname(copy), { recursive: true, mode: 0o700 });
  await copyFile(live, copy, constants.COPYFILE_FICLONE);
  await makeDatabasePrivate(copy);
}

/** Renames each existing `<db><suffix>` to `<db><suffix>.<tag>-<time>` (never deleted); returns the new names. */
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

/** Moves -wal/-shm files that have no database beside them out of the way (never deleted: they are evidence). */
function setStraysAside(db: string, now: Date): Promise<string[]> {
  return moveAside(db, ["-wal", "-shm", ".tmp-wal", ".tmp-shm", "-journal"], "stray", now);
}

/**
 * This host's copies of an app's databases, when another host held the replica since: the replica is newer
 * (the other host wrote to it), and replicating the local file would start a generation that a later restore
 * picks over the other host's writes. Each such file (with its -wal and -shm) is renamed `*.stale-<time>`,
 * never deleted, so restore-on-boot brings the replica's copy. A database whose replica is empty stays: it is
 * the only copy. Returns the database paths set aside.
 */
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

/**
 * Whether the database's header already says WAL: bytes 18 and 19 (the file format's write and read versions)
 * are 2 in a WAL database (sqlite.org/fileformat2.html). A restored copy of a WAL database is one, and so is
 * every database hostctl has opened before: reading 20 bytes spares a sqlite3 process on every boot.
 */
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
    return bytesRead === 20 && header.toString("latin1", 0, 16) === "SQLite format 3\0" && header[18] === 2 && header[19] === 2;
  } finally {
    await file.close();
  }
}

async function setWal(ctx: HostContext, db: string): Promise<void> {
  if (await headerSaysWal(db)) return;
  const rows = await sqliteQuery(ctx.run, db, "PRAGMA journal_mode=WAL;");
  if (rows[0]?.journal_mode !== "wal")
    throw new HostctlError("RESTORE_FAILED", `${db}: could not switch to WAL mode (got ${String(rows[0]?.journal_mode)})`);
}

/**
 * Restores one database with the real `litestream restore`, then proves it with quick_check. `beside` runs
 * while quick_check reads the file (it may only read it too); a file that fails the check takes whatever
 * `beside` made with it (`discard`).
 */
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
    output = await ctx.run(ctx.litestream, engineOf(ctx).restoreArgs({ configPath, dbPath, ...(timestamp ? { timestamp } : {}) }), {
      env: litestreamEnv(ctx.credentials),
      cleanEnv: true,
      timeoutMs: 60 * 60_000,
    });
  } catch (error) {
    throw new HostctlError("RESTORE_FAILED", `${spec.name}: litestream restore of ${dbPath} failed: ${errorMessage(error)}`, {
      cause: error,
      hint: `run: hostctl doctor; then hostctl restore ${spec.name}`,
    });
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
  const check = await sqliteQuery(ctx.run, dbPath, "PRAGMA quick_check;", { readonly: true }).catch(async (error: unknown) => {
    await alongside;
    await beside?.discard();
    throw error;
  });
  await alongside;
  if (check[0]?.quick_check !== "ok") {
    await beside?.discard();
    await rename(dbPath, `${dbPath}.corrupt-${Date.now()}`);
    throw new HostctlError(
      "RESTORE_FAILED",
      `${spec.name}: restored ${dbPath} failed PRAGMA quick_check: ${JSON.stringify(check.slice(0, 3))}`,
    );
  }
  // Restore writes the file as whoever ran it; give it the data directory's owner, readable by no one else.
  const owner = await stat(dirname(dbPath));
  await chown(dbPath, owner.uid, owner.gid);
  await makeDatabasePrivate(dbPath);
  return { ms, generation };
}

/**
 * Before a restore run by a command (`hostctl restore`, a deploy's restore step): every app's Litestream
 * config written from the current hostctl.yml, so `litestream restore` reads the replica it names now.
 * The supervisor writes them when it starts; restore-on-boot (ensureDatabases) does not rewrite them.
 */
/**
 * What the replica target holds of a database that is missing here. Unreadable: throws, naming the database
 * (restore-on-boot is fail-closed: the app is not started on an empty file while a replica may hold data).
 */
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

export async function refreshLitestreamConfigs(spec: AppSpec, ctx: HostContext): Promise<void> {
  if (spec.databases.length > 0) await writeLitestreamConfigs(ctx.paths, ctx.host, await loadApps(ctx.paths), { engine: engineOf(ctx) });
}

/**
 * Before an app is reloaded with an edited spec: a database that would be created fresh in place of one the
 * spec dropped (a rename) is refused while the app still runs on its old spec.
 */
export async function refuseRenamedDatabases(spec: AppSpec, previous: AppSpec, ctx: HostContext): Promise<void> {
  const app = appPaths(ctx.paths, spec.name);
  try {
    for (const db of spec.databases) {
      if (await pathExists(join(app.data, db.path))) continue;
      if ((await readableReplicaState(ctx, spec.name, db.path)).state === "exists") continue;
      await refuseRenamedDatabase(spec, db.path, ctx, previous);
    }
  } catch (error) {
    // `restart` wrote the edited spec's Litestream config: the running spec's goes back, so a respawned
    // Litestream keeps replicating the database the app still writes.
    const apps = (await loadApps(ctx.paths)).map((other) => (other.name === previous.name ? previous : other));
    await writeLitestreamConfigs(ctx.paths, ctx.host, apps, { engine: engineOf(ctx) });
    throw error;
  }
}

/**
 * Restore-on-boot as the supervisor runs it: ensureDatabases, keeping a copy of what it restores when the app
 * has no release yet (its first deploy's snapshot is then that copy).
 */
export async function restoreOnBoot(spec: AppSpec, ctx: HostContext): Promise<DatabaseRestore[]> {
  const firstRelease = !(await pathExists(appPaths(ctx.paths, spec.name).current));
  return ensureDatabases(spec, ctx, { keepRestoredCopy: firstRelease });
}

/**
 * Restore-on-boot for one app: every missing database is restored from its replica, or created fresh
 * in WAL mode when the replica is truly empty. Throws (and creates nothing) when the replica cannot be
 * read or when a marker says data existed: starting on an empty file would begin a new generation that
 * a later restore could pick over the real data.
 */
export async function ensureDatabases(spec: AppSpec, ctx: HostContext, options: EnsureOptions = {}): Promise<DatabaseRestore[]> {
  const app = appPaths(ctx.paths, spec.name);
  await ensurePrivateDirs(app, spec.databases);
  // Copies from an earlier boot describe a database this boot may not have restored: never handed on.
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
      // The copy for a first deploy's snapshot is made while quick_check reads the file: both only read it.
      const copy = options.keepRestoredCopy
        ? {
            // Only a saving: a copy that cannot be made (a full disk) is removed, and the first deploy takes a .backup.
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
