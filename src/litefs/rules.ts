import type { AppSpec } from "../config/schema.js";
import type { ConfigIssue } from "../lib/errors.js";

/** Pure: LiteFS keeps databases in the root of its mount only (no sub-directories). */
export function litefsAppIssues(spec: AppSpec, file: string): ConfigIssue[] {
  if (spec.replication !== "litefs") return [];
  const issues: ConfigIssue[] = [];
  spec.databases.forEach((db, index) => {
    if (db.path.includes("/")) issues.push({ file, path: `databases[${index}].path`, message: `expected a file name such as db.sqlite3 (LiteFS keeps databases in the root of its mount), got "${db.path}"` });
  });
  if (spec.databases.length === 0) issues.push({ file, path: "databases", message: "expected at least one database: replication: litefs replicates SQLite databases" });
  return issues;
}
