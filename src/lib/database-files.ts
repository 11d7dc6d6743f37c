import { posix } from "node:path";

// A file with one of these names in a served or shipped directory is a live database: the front
// door answers 404 for it and media sync skips it (docs/security.md). Case-insensitive.
const DATABASE_FILE = /\.(sqlite3?|db3?|ltx)$/i;
const SIDE_FILE = /-(wal|shm|journal)$/i;
/** Litestream's metadata folder beside a database (`.db.sqlite3-litestream`). */
const LITESTREAM_FOLDER = /^\..+-litestream$/i;

/** Globs (Caddy's file_server `hide`, matched against every path component) for the same names. */
export const DATABASE_FILE_GLOBS: readonly string[] = [
  "*.sqlite",
  "*.sqlite3",
  "*.db",
  "*.db3",
  "*.ltx",
  "*-wal",
  "*-shm",
  "*-journal",
  ".*-litestream",
].map(caseless);

/** Pure: `name` (one path component) is a database, a side file of one, or a replication folder. */
export function isDatabaseName(name: string): boolean {
  return DATABASE_FILE.test(name) || SIDE_FILE.test(name) || LITESTREAM_FOLDER.test(name);
}

/** Pure: some component of the "/"-separated `path` is a database name. */
export function hasDatabaseComponent(path: string): boolean {
  return path.split("/").some(isDatabaseName);
}

/** Pure: why a path names SQLite's or Litestream's own file, not a database; else undefined. */
export function sideFileProblem(path: string): string | undefined {
  const parts = posix.normalize(path).split("/");
  const name = parts.at(-1) ?? "";
  const side = SIDE_FILE.exec(name);
  if (side)
    return `expected a database file, not the ${side[1]?.toLowerCase()} file SQLite keeps beside "${name.slice(0, side.index)}"`;
  if (parts.some((part) => LITESTREAM_FOLDER.test(part)))
    return "expected a database file, not a path inside the folder Litestream keeps beside a database";
  return undefined;
}

function caseless(glob: string): string {
  return glob.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
}
