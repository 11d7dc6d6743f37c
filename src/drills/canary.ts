import { stat } from "node:fs/promises";
import type { Runner } from "../lib/exec.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { sqliteQuery } from "../lib/sqlite.js";

/** Updated by the supervisor every minute, so a drill measures freshness exactly. */
export const CANARY_TABLE = "_hostctl_canary";

/** How often the supervisor is expected to touch the canary. */
export const CANARY_INTERVAL_MS = 60_000;

function uri(dbPath: string): string {
  // mode=rw: never create a missing database (that would shadow a restore).
  return `file:${encodeURI(dbPath).replaceAll("?", "%3F").replaceAll("#", "%23")}?mode=rw`;
}

/** Creates (first time) or updates the canary row of a live database with `now`. */
export async function touchCanary(run: Runner, dbPath: string, now: Date): Promise<void> {
  try {
    await stat(dbPath);
  } catch (error) {
    throw new HostctlError(
      "DB_MISSING",
      `${dbPath} does not exist; the canary is only written to an existing database`,
      { cause: error },
    );
  }
  const stamp = now.toISOString();
  await sqliteQuery(
    run,
    uri(dbPath),
    [
      `CREATE TABLE IF NOT EXISTS ${CANARY_TABLE}(id INTEGER PRIMARY KEY CHECK (id = 1), updated_at TEXT);`,
      `INSERT INTO ${CANARY_TABLE}(id, updated_at) VALUES (1, '${stamp}') ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at;`,
    ].join("\n"),
    { timeoutMs: 30_000 },
  );
}

/** The canary's timestamp, or undefined when the database has no canary yet. */
export async function readCanary(run: Runner, dbPath: string): Promise<Date | undefined> {
  let rows;
  try {
    rows = await sqliteQuery(run, dbPath, `SELECT updated_at FROM ${CANARY_TABLE} WHERE id = 1;`, { readonly: true });
  } catch (error) {
    if (/no such table/.test(errorMessage(error))) return undefined;
    throw error;
  }
  const value = rows[0]?.updated_at;
  return typeof value === "string" ? new Date(value) : undefined;
}

/** Pure: a canary timestamp as stored → epoch ms, or undefined when unreadable. */
export function canaryTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
