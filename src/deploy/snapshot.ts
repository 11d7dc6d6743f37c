import { mkdir, readdir, rm } from "node:fs/promises";
import { ensurePrivateDirs, makeDatabasePrivate } from "../apps/private-files.js";
import { dirname, join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { HostctlError } from "../lib/errors.js";

export const KEEP_SNAPSHOTS = 5;

export interface Snapshot {
  /** The database path as in the app spec (relative to data/). */
  path: string;
  live: string;
  copy: string;
  /** Schema and migration history before the release phase; compared after a failure. */
  fingerprint: string;
}

/** Pure: sqlite3 shell dot-commands take a quoted file name; a quote in it is doubled. */
/**
 * A path as one argument of a sqlite3 shell dot-command. The shell has no escape inside '…', and a
 * newline ends the command (the next line could be `.shell CMD`), so such paths are refused, not quoted.
 */
export function quoteShellArg(path: string): string {
  if (/['\n\r]/.test(path) || hasControlCharacter(path)) {
    throw new HostctlError("USAGE", `database path ${JSON.stringify(path)}: quotes and control characters are not allowed`, {
      exitCode: 2,
    });
  }
  return `'${path}'`;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/**
 * What a release phase changes when it changes anything: the schema and Django's migration history.
 * Row counts of user tables are left out on purpose: the old release keeps serving (and writing)
 * while the release phase runs, and those writes must not be mistaken for the migration's.
 */
export async function fingerprint(run: Runner, db: string): Promise<string> {
  const schema = await sqliteQuery(run, db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name;", { readonly: true });
  const hasMigrations = schema.some((row) => row.type === "table" && row.name === "django_migrations");
  const migrations = hasMigrations
    ? await sqliteQuery(run, db, "SELECT app, name FROM django_migrations ORDER BY id;", { readonly: true })
    : [];
  return JSON.stringify({ schema, migrations });
}

/** SQLite's online backup API (the shell's .backup): a consistent copy while the old release writes. */
export async function snapshotDatabases(run: Runner, spec: AppSpec, app: AppPaths, release: string): Promise<Snapshot[]> {
  const dir = join(app.snapshots, release);
  const out: Snapshot[] = [];
  await ensurePrivateDirs(app);
  for (const db of spec.databases) {
    const live = join(app.data, db.path);
    if (!(await pathExists(live))) continue;
    const copy = join(dir, db.path);
    await mkdir(dirname(copy), { recursive: true });
    await sqliteQuery(run, live, `.backup main ${quoteShellArg(copy)}\n`);
    // The copy keeps the live file's WAL mode; as a rollback journal file it stays one self-contained file.
    await sqliteQuery(run, copy, "PRAGMA journal_mode=DELETE;");
    await makeDatabasePrivate(copy);
    out.push({ path: db.path, live, copy, fingerprint: await fingerprint(run, copy) });
  }
  return out;
}

/**
 * Puts a database back the way its snapshot has it. `.restore` copies pages *into* the live file
 * through SQLite, so the old release's open connections and Litestream see an ordinary write
 * (replacing the file would pull it from under both). Only databases whose schema or migration
 * history changed are restored, so rows the old release wrote meanwhile survive a clean rollback.
 */
export async function restoreChanged(run: Runner, snapshots: readonly Snapshot[]): Promise<string[]> {
  const restored: string[] = [];
  for (const snap of snapshots) {
    if ((await fingerprint(run, snap.live)) === snap.fingerprint) continue;
    await sqliteQuery(run, snap.live, `.restore main ${quoteShellArg(snap.copy)}\n`);
    restored.push(snap.path);
  }
  return restored;
}

/** Keeps the snapshots of the last `keep` deploys (directory names are release ids, so they sort by time). */
export async function pruneSnapshots(app: AppPaths, keep = KEEP_SNAPSHOTS): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(app.snapshots)).sort();
  } catch {
    return [];
  }
  const doomed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of doomed) await rm(join(app.snapshots, name), { recursive: true, force: true });
  return doomed;
}
