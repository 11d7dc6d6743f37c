/** What `hostctl drill --json` prints, drills.jsonl stores and webhooks receive. */

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  detail: string;
}

export type CheckName =
  | "replica"
  | "live"
  | "disk"
  | "restore"
  | "integrity"
  | "foreign_keys"
  | "fts5"
  | "schema"
  | "row_counts"
  | "django_migrations"
  | "sqlite_sequence"
  | "freshness"
  | "media_references"
  | "media_freshness";

export type IntegrityMode = "full" | "quick";

export interface DatabaseResult {
  path: string;
  ok: boolean;
  generation: string | null;
  restore_ms: number | null;
  bytes: number | null;
  /** Replica freshness (RPO) in seconds; null when it could not be measured. */
  lag_s: number | null;
  integrity: IntegrityMode | null;
  checks: CheckResult[];
}

export interface DrillVersions {
  litestream: string;
  sqlite: string;
}

export type DrillTrigger = "cli" | "schedule";

export interface DrillResult {
  ok: boolean;
  app: string;
  started_at: string;
  duration_ms: number;
  /** Why the drill failed (first failing check per database), or why it was skipped. */
  reason?: string;
  /** A scheduled drill that would have overlapped the same app's running drill. */
  skipped?: boolean;
  trigger: DrillTrigger;
  live: boolean;
  versions: DrillVersions | null;
  databases: DatabaseResult[];
}

export function check(name: CheckName, ok: boolean, detail: string): CheckResult {
  return { name, ok, detail };
}

/** Pure: names each failing database's first failed check. */
export function drillReason(databases: readonly DatabaseResult[]): string | undefined {
  const parts = databases.flatMap((db) => {
    const failed = db.checks.find((c) => !c.ok);
    return failed ? [`${db.path}: ${failed.name}: ${failed.detail}`] : [];
  });
  return parts.length > 0 ? parts.join("; ") : undefined;
}
