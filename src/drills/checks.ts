import { CANARY_INTERVAL_MS, CANARY_TABLE, canaryTime } from "./canary.js";
import type { SchemaEntry } from "./facts.js";
import { check, type CheckResult, type IntegrityMode } from "./result.js";

/** Each check is a pure function over what was read; run.ts does the reading. */

const LIST_LIMIT = 5;

function listed(items: readonly string[]): string {
  const head = items.slice(0, LIST_LIMIT).join(", ");
  return items.length > LIST_LIMIT ? `${head} and ${items.length - LIST_LIMIT} more` : head;
}

/** Above this size: PRAGMA quick_check, with a full integrity_check at least weekly. */
export const QUICK_CHECK_ABOVE_BYTES = 1024 ** 3;
export const FULL_CHECK_EVERY_MS = 7 * 86_400_000;

export function chooseIntegrityMode(bytes: number, lastFullAt: Date | undefined, now: Date): IntegrityMode {
  if (bytes <= QUICK_CHECK_ABOVE_BYTES) return "full";
  if (lastFullAt === undefined) return "full";
  return now.getTime() - lastFullAt.getTime() >= FULL_CHECK_EVERY_MS ? "full" : "quick";
}

export function checkIntegrity(messages: readonly string[], mode: IntegrityMode): CheckResult {
  const pragma = mode === "full" ? "integrity_check" : "quick_check";
  if (messages.length === 1 && messages[0] === "ok") return check("integrity", true, `${pragma}: ok`);
  return check("integrity", false, `${pragma}: ${listed(messages)}`);
}

export function checkForeignKeys(restored: number, live: number | undefined): CheckResult {
  const baseline = live ?? 0;
  const ok = restored <= baseline;
  const detail = live === undefined ? `${restored} violations` : `${restored} violations (live: ${live})`;
  return check(
    "foreign_keys",
    ok,
    ok ? detail : `${detail}: the restored copy has more than ${live === undefined ? "none" : "live"}`,
  );
}

export interface FtsOutcome {
  table: string;
  error?: string;
}

export function checkFts(outcomes: readonly FtsOutcome[]): CheckResult | undefined {
  if (outcomes.length === 0) return undefined;
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length === 0) return check("fts5", true, `${outcomes.length} FTS5 table(s) pass integrity-check`);
  return check("fts5", false, failed.map((o) => `${o.table}: ${o.error ?? ""}`).join("; "));
}

function schemaKey(entry: SchemaEntry): string {
  return `${entry[0]} ${entry[1]}`;
}

export function checkSchema(restored: readonly SchemaEntry[], live: readonly SchemaEntry[]): CheckResult {
  const mine = new Map(restored.map((e) => [schemaKey(e), e[3]]));
  const theirs = new Map(live.map((e) => [schemaKey(e), e[3]]));
  const missing = [...theirs.keys()].filter((k) => !mine.has(k));
  const extra = [...mine.keys()].filter((k) => !theirs.has(k));
  const changed = [...theirs.keys()].filter((k) => mine.has(k) && mine.get(k) !== theirs.get(k));
  if (missing.length + extra.length + changed.length === 0)
    return check("schema", true, `${live.length} objects match live`);
  const parts = [
    missing.length > 0 ? `missing from the replica: ${listed(missing)}` : "",
    extra.length > 0 ? `only in the replica: ${listed(extra)}` : "",
    changed.length > 0 ? `different definition: ${listed(changed)}` : "",
  ].filter((p) => p !== "");
  return check("schema", false, parts.join("; "));
}

/** Pure: only writes inside the replication window explain a difference, so no allowance unless
 * freshness passed; then 10 rows or 0.1% of live, whichever is larger. */
export function rowAllowance(live: number, windowProven: boolean): number {
  if (!windowProven) return 0;
  return Math.max(10, Math.ceil(live * 0.001));
}

export function checkRowCounts(
  restored: Record<string, number>,
  live: Record<string, number>,
  windowProven: boolean,
): CheckResult {
  const tables = [...new Set([...Object.keys(live), ...Object.keys(restored)])].sort();
  const differing: string[] = [];
  let failed = false;
  for (const table of tables) {
    const r = restored[table];
    const l = live[table];
    if (r === l) continue;
    if (r === undefined || l === undefined) continue; // the schema check reports a missing table
    const over = Math.abs(l - r) > rowAllowance(l, windowProven);
    failed ||= over;
    differing.push(`${table} ${r}/${l}${over ? " (beyond the window)" : ""}`);
  }
  if (differing.length === 0) return check("row_counts", true, `${tables.length} tables match live`);
  const tail = `restored/live: ${differing.join(", ")}`;
  if (failed)
    return check(
      "row_counts",
      false,
      windowProven ? tail : `${tail}; the replication window is not proven (freshness failed)`,
    );
  return check("row_counts", true, `within the replication window: ${tail}`);
}

export function checkMigrations(restored: readonly string[] | null, live: readonly string[] | null): CheckResult {
  if (live === null && restored === null)
    return check("django_migrations", false, "no django_migrations table in the replica or live");
  const mine = new Set(restored ?? []);
  const theirs = new Set(live ?? []);
  const missing = [...theirs].filter((m) => !mine.has(m));
  const extra = [...mine].filter((m) => !theirs.has(m));
  if (missing.length + extra.length === 0)
    return check("django_migrations", true, `${theirs.size} migrations match live`);
  const parts = [
    missing.length > 0 ? `missing from the replica: ${listed(missing)}` : "",
    extra.length > 0 ? `only in the replica: ${listed(extra)}` : "",
  ].filter((p) => p !== "");
  return check("django_migrations", false, parts.join("; "));
}

export function checkSequences(
  restored: Record<string, number>,
  live: Record<string, number>,
  windowProven: boolean,
): CheckResult {
  const problems: string[] = [];
  for (const [table, l] of Object.entries(live)) {
    const r = restored[table] ?? 0;
    // AUTOINCREMENT never goes back: a replica ahead of live is not from this database's timeline.
    if (r > l) problems.push(`${table} ahead of live (${r} > ${l})`);
    else if (l - r > rowAllowance(l, windowProven)) problems.push(`${table} behind live by ${l - r} (${r} < ${l})`);
  }
  if (problems.length === 0)
    return check("sqlite_sequence", true, `${Object.keys(live).length} sequences within the window`);
  return check("sqlite_sequence", false, listed(problems));
}

export interface Freshness {
  check: CheckResult;
  lagS: number | null;
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** Live mode is exact; no-live mode allows one canary interval, touched once a minute. */
export function checkFreshness(
  restored: string | null,
  live: string | null | undefined,
  now: Date,
  maxLagMs: number,
): Freshness {
  const restoredMs = canaryTime(restored);
  if (restoredMs === undefined) {
    return {
      lagS: null,
      check: check(
        "freshness",
        false,
        `RPO unknown: no ${CANARY_TABLE} row in the replica (the supervisor writes it every minute)`,
      ),
    };
  }
  if (live === undefined) {
    const lagMs = Math.max(0, now.getTime() - restoredMs - CANARY_INTERVAL_MS);
    const ok = lagMs <= maxLagMs;
    return {
      lagS: seconds(lagMs),
      check: check(
        "freshness",
        ok,
        `canary ${restored} is ${seconds(now.getTime() - restoredMs)}s old (limit ${seconds(maxLagMs + CANARY_INTERVAL_MS)}s without a live copy)`,
      ),
    };
  }
  const liveMs = canaryTime(live);
  if (liveMs === undefined)
    return { lagS: null, check: check("freshness", false, "RPO unknown: the live database has no canary row") };
  const lagMs = Math.max(0, liveMs - restoredMs);
  const ok = lagMs <= maxLagMs;
  return {
    lagS: seconds(lagMs),
    check: check("freshness", ok, `replica ${seconds(lagMs)}s behind live (limit ${seconds(maxLagMs)}s)`),
  };
}
