import type { Runner } from "../lib/exec.js";
import { sqliteQuery, type Row } from "../lib/sqlite.js";
import { CANARY_TABLE } from "./canary.js";

/** Read in one statement, so one snapshot. */
export interface DbFacts {
  /** [type, name, tbl_name, sql] of every schema object except sqlite_ internals and the canary. */
  schema: SchemaEntry[];
  /** Rows per ordinary table (virtual tables are covered by their shadow tables). */
  counts: Record<string, number>;
  /** sqlite_sequence: AUTOINCREMENT high-water marks. */
  sequences: Record<string, number>;
  canary: string | null;
  /** "app.name" of each applied Django migration; null when there is no django_migrations table. */
  migrations: string[] | null;
  foreignKeyViolations: number;
  /** Names of FTS5 virtual tables. */
  fts5: string[];
  /** Rows of PRAGMA integrity_check / quick_check, when asked for. */
  integrity: string[] | null;
}

export interface FactsOptions {
  readonly: boolean;
  /** Run first in the same statement, so the counts after it read warm pages. */
  integrity?: "full" | "quick";
  /** When known (say, from live); else, or on a mismatch, listed from the database. */
  tables?: readonly TableInfo[];
}

export type SchemaEntry = [type: string, name: string, tblName: string, sql: string | null];

// SQLite's default SQLITE_MAX_COMPOUND_SELECT is 500: count tables in chunks well below it.
const COUNT_CHUNK = 400;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface TableInfo {
  name: string;
  sql: string | null;
}

function isVirtual(table: TableInfo): boolean {
  return /^CREATE\s+VIRTUAL\s+TABLE/i.test(table.sql ?? "");
}

function isFts5(table: TableInfo): boolean {
  return /^CREATE\s+VIRTUAL\s+TABLE[\s\S]*\bUSING\s+fts5\b/i.test(table.sql ?? "");
}

/** Pure: the one SELECT that reads every fact of a database whose tables are `tables`. */
export function factsQuery(tables: readonly TableInfo[], integrity?: "full" | "quick"): string {
  const names = new Set(tables.map((t) => t.name));
  const counted = tables.filter((t) => !t.name.startsWith("sqlite_") && t.name !== CANARY_TABLE && !isVirtual(t));
  const pragma = integrity === "quick" ? "quick_check" : "integrity_check";
  const columns = [
    integrity === undefined
      ? `NULL AS integrity`
      : `(SELECT json_group_array(${pragma}) FROM pragma_${pragma}) AS integrity`,
    `(SELECT json_group_array(json_array(type, name, tbl_name, sql)) FROM (SELECT type, name, tbl_name, sql FROM sqlite_master
      WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> '${CANARY_TABLE}' ORDER BY type, name)) AS schema`,
    `(SELECT count(*) FROM pragma_foreign_key_check) AS fk`,
    names.has("sqlite_sequence")
      ? `(SELECT json_group_object(name, seq) FROM sqlite_sequence) AS sequences`
      : `NULL AS sequences`,
    names.has(CANARY_TABLE) ? `(SELECT updated_at FROM ${CANARY_TABLE} WHERE id = 1) AS canary` : `NULL AS canary`,
    names.has("django_migrations")
      ? `(SELECT json_group_array(app || '.' || name) FROM (SELECT app, name FROM django_migrations ORDER BY app, name)) AS migrations`
      : `NULL AS migrations`,
  ];
  for (let i = 0; i < counted.length; i += COUNT_CHUNK) {
    const parts = counted
      .slice(i, i + COUNT_CHUNK)
      .map((t) => `SELECT ${quoteText(t.name)} AS n, (SELECT count(*) FROM ${quoteIdent(t.name)}) AS c`);
    columns.push(`(SELECT json_group_object(n, c) FROM (${parts.join(" UNION ALL ")})) AS counts_${i / COUNT_CHUNK}`);
  }
  return `SELECT\n  ${columns.join(",\n  ")};`;
}

function parseJson<T>(value: Row[string] | undefined, fallback: T): T {
  return typeof value === "string" ? (JSON.parse(value) as T) : fallback;
}

/** Pure: the row of factsQuery → DbFacts. */
export function parseFacts(row: Row, tables: readonly TableInfo[]): DbFacts {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith("counts_")) Object.assign(counts, parseJson<Record<string, number>>(value, {}));
  }
  return {
    schema: parseJson<SchemaEntry[]>(row.schema, []),
    counts,
    sequences: parseJson<Record<string, number>>(row.sequences, {}),
    canary: typeof row.canary === "string" ? row.canary : null,
    migrations:
      row.migrations === null || row.migrations === undefined ? null : parseJson<string[]>(row.migrations, []),
    foreignKeyViolations: Number(row.fk ?? 0),
    fts5: tables.filter(isFts5).map((t) => t.name),
    integrity: row.integrity === null || row.integrity === undefined ? null : parseJson<string[]>(row.integrity, []),
  };
}

export async function listTables(run: Runner, db: string, readonly: boolean): Promise<TableInfo[]> {
  const rows = await sqliteQuery(run, db, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name;", {
    readonly,
  });
  return rows.map((r) => ({ name: String(r.name), sql: r.sql === null ? null : String(r.sql) }));
}

/** One read-only transaction: one snapshot, and live writers wait no longer than that read. */
export async function readFacts(run: Runner, db: string, options: FactsOptions): Promise<DbFacts> {
  let tables = options.tables;
  for (let attempt = 1; ; attempt++) {
    tables ??= await listTables(run, db, options.readonly);
    try {
      const sql = `BEGIN;\n${factsQuery(tables, options.integrity)}\nCOMMIT;\n`;
      const rows = await sqliteQuery(run, db, sql, { readonly: options.readonly, timeoutMs: 6 * 3_600_000 });
      return parseFacts(rows[0] ?? {}, tables);
    } catch (error) {
      // Other tables than given, or a migration between listing and reading: list again, once.
      if (attempt >= 2) throw error;
      tables = undefined;
    }
  }
}
