import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { ensurePrivateDirs, makeDatabasePrivate } from "../apps/private-files.js";
import { dirname, join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { HostctlError } from "../lib/errors.js";
import { restoredCopiesDir, restoredCopyPath } from "../restore/restore-app.js";

export const KEEP_SNAPSHOTS = 5;

export interface Snapshot {
  /** The database path as in the app spec (relative to data/). */
  path: string;
  live: string;
  copy: string;
  /** Schema and migration history before the release phase; compared after a failure. */
  fingerprint: string;
  /** The copy restore-on-boot made (a first release), or .backup's. */
  source: "restore" | "backup";
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

/** One row whatever the schema: the shell prints nothing for an empty result, and a script's last result is read. */
const SCHEMA_SQL = "SELECT json_group_array(json_array(type, name, tbl_name, sql)) AS schema FROM sqlite_master;";
const MIGRATIONS_SQL = "SELECT json_group_array(json_array(id, app, name)) AS migrations FROM django_migrations;";

type SchemaRow = [string, string, string, string | null];

/** The shell prints a JSON column as a string (3.40) or as JSON itself (newer shells). */
function jsonColumn<T>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (typeof value === "string" ? JSON.parse(value) : value) as T[];
}

/** Sorted here rather than by SQLite: json_group_array's order is unspecified on Debian 12's 3.40. */
function fingerprintOf(schemaJson: unknown, migrationsJson: unknown): string {
  const key = (row: SchemaRow) => `${row[0]}\0${row[1]}`;
  const schema = jsonColumn<SchemaRow>(schemaJson).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const migrations = jsonColumn<[number, string, string]>(migrationsJson).sort((a, b) => a[0] - b[0]);
  return JSON.stringify({ schema, migrations: migrations.map(([, app, name]) => [app, name]) });
}

async function withMigrations(run: Runner, db: string, schemaJson: unknown): Promise<string> {
  const hasMigrations = jsonColumn<SchemaRow>(schemaJson).some((r) => r[0] === "table" && r[1] === "django_migrations");
  const migrations = hasMigrations ? (await sqliteQuery(run, db, MIGRATIONS_SQL, { readonly: true }))[0]?.migrations : "[]";
  return fingerprintOf(schemaJson, migrations);
}

/**
 * What a release phase changes when it changes anything: the schema and Django's migration history.
 * Row counts of user tables are left out on purpose: the old release keeps serving (and writing)
 * while the release phase runs, and those writes must not be mistaken for the migration's.
 */
export async function fingerprint(run: Runner, db: string): Promise<string> {
  const rows = await sqliteQuery(run, db, SCHEMA_SQL, { readonly: true });
  return withMigrations(run, db, rows[0]?.schema);
}

/**
 * SQLite's online backup API (the shell's .backup): a consistent copy while the old release writes. One
 * sqlite3 process copies, makes the copy a rollback-journal file (one self-contained file) and reads its
 * schema; Django's migration history is a second.
 *
 * A first release takes the copy restore-on-boot made of a database it restored (restoredCopyPath) instead:
 * with no release ever run here, nothing but Litestream's own bookkeeping has written the database since,
 * so that copy is the state a failed release phase must be put back to, and it was made as a file copy
 * before anything opened the database (a fraction of .backup's cost for a large one). Any such copy left
 * goes at the end.
 */
export async function snapshotDatabases(
  run: Runner,
  spec: AppSpec,
  app: AppPaths,
  release: string,
  firstRelease = false,
): Promise<Snapshot[]> {
  const dir = join(app.snapshots, release);
  const out: Snapshot[] = [];
  await ensurePrivateDirs(app);
  try {
    for (const db of spec.databases) {
      const live = join(app.data, db.path);
      if (!(await pathExists(live))) continue;
      const copy = join(dir, db.path);
      await mkdir(dirname(copy), { recursive: true });
      // Checked either way: a failed release phase puts the database back with `.restore` from this path.
      const quoted = quoteShellArg(copy);
      const restored = restoredCopyPath(app, db.path);
      const source = firstRelease && (await pathExists(restored)) ? "restore" : "backup";
      if (source === "restore") await rename(restored, copy);
      const rows =
        source === "restore"
          ? await sqliteQuery(run, copy, `PRAGMA journal_mode=DELETE;\n${SCHEMA_SQL}\n`)
          : await sqliteQuery(run, live, `.backup main ${quoted}\n.open ${quoted}\nPRAGMA journal_mode=DELETE;\n${SCHEMA_SQL}\n`);
      await makeDatabasePrivate(copy);
      out.push({ path: db.path, live, copy, fingerprint: await withMigrations(run, copy, rows[0]?.schema), source });
    }
  } finally {
    await rm(restoredCopiesDir(app), { recursive: true, force: true });
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
    // .restored (restore-on-boot's copy, restoredCopyPath) is not a release's snapshot.
    names = (await readdir(app.snapshots)).filter((name) => !name.startsWith(".")).sort();
  } catch {
    return [];
  }
  const doomed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of doomed) await rm(join(app.snapshots, name), { recursive: true, force: true });
  return doomed;
}
