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
/** No escape exists inside '…' and a newline could start `.shell CMD`: refused, not quoted. */
export function quoteShellArg(path: string): string {
  if (/['\n\r]/.test(path) || hasControlCharacter(path)) {
    throw new HostctlError(
      "USAGE",
      `database path ${JSON.stringify(path)}: quotes and control characters are not allowed`,
      {
        exitCode: 2,
      },
    );
  }
  return `'${path}'`;
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** One row whatever the schema: the shell prints nothing for an empty result. */
const SCHEMA_SQL = "SELECT json_group_array(json_array(type, name, tbl_name, sql)) AS schema FROM sqlite_master;";
const MIGRATIONS_SQL = "SELECT json_group_array(json_array(id, app, name)) AS migrations FROM django_migrations;";

type SchemaRow = [string, string, string, string | null];

/** The shell prints a JSON column as a string (3.40) or as JSON itself (newer shells). */
function jsonColumn<T>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (typeof value === "string" ? JSON.parse(value) : value) as T[];
}

/** json_group_array's order is unspecified on Debian 12's SQLite 3.40. */
function fingerprintOf(schemaJson: unknown, migrationsJson: unknown): string {
  const key = (row: SchemaRow) => `${row[0]}\0${row[1]}`;
  const schema = jsonColumn<SchemaRow>(schemaJson).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const migrations = jsonColumn<[number, string, string]>(migrationsJson).sort((a, b) => a[0] - b[0]);
  return JSON.stringify({ schema, migrations: migrations.map(([, app, name]) => [app, name]) });
}

async function withMigrations(run: Runner, db: string, schemaJson: unknown): Promise<string> {
  const hasMigrations = jsonColumn<SchemaRow>(schemaJson).some((r) => r[0] === "table" && r[1] === "django_migrations");
  const migrations = hasMigrations
    ? (await sqliteQuery(run, db, MIGRATIONS_SQL, { readonly: true }))[0]?.migrations
    : "[]";
  return fingerprintOf(schemaJson, migrations);
}

/** Schema and migration history only: the old release keeps writing rows meanwhile, and those
 * must not be mistaken for the migration's. */
export async function fingerprint(run: Runner, db: string): Promise<string> {
  const rows = await sqliteQuery(run, db, SCHEMA_SQL, { readonly: true });
  return withMigrations(run, db, rows[0]?.schema);
}

/** .backup copies consistently while the old release writes. A first release instead takes the
 * restore-on-boot copy: nothing but Litestream has written since, and it is far cheaper. */
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
      // Checked either way: a failed release phase `.restore`s the database from this path.
      const quoted = quoteShellArg(copy);
      const restored = restoredCopyPath(app, db.path);
      const source = firstRelease && (await pathExists(restored)) ? "restore" : "backup";
      if (source === "restore") await rename(restored, copy);
      const rows =
        source === "restore"
          ? await sqliteQuery(run, copy, `PRAGMA journal_mode=DELETE;\n${SCHEMA_SQL}\n`)
          : await sqliteQuery(
              run,
              live,
              `.backup main ${quoted}\n.open ${quoted}\nPRAGMA journal_mode=DELETE;\n${SCHEMA_SQL}\n`,
            );
      await makeDatabasePrivate(copy);
      out.push({ path: db.path, live, copy, fingerprint: await withMigrations(run, copy, rows[0]?.schema), source });
    }
  } finally {
    await rm(restoredCopiesDir(app), { recursive: true, force: true });
  }
  return out;
}

/** `.restore` writes pages through SQLite so open connections and Litestream see a normal write.
 * Only changed databases are restored, so rows the old release wrote survive. */
export async function restoreChanged(run: Runner, snapshots: readonly Snapshot[]): Promise<string[]> {
  const restored: string[] = [];
  for (const snap of snapshots) {
    if ((await fingerprint(run, snap.live)) === snap.fingerprint) continue;
    await sqliteQuery(run, snap.live, `.restore main ${quoteShellArg(snap.copy)}\n`);
    restored.push(snap.path);
  }
  return restored;
}

/** Keeps the last `keep` deploys' snapshots; directory names are release ids, sorted by time. */
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
