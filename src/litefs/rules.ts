import type { AppSpec, HostConfig } from "../config/schema.js";
import type { ConfigIssue } from "../lib/errors.js";

// LiteFS keeps databases only in its mount's root. A replica host takes no replica lease, so a
// plain app there would replicate unfenced.
export function litefsAppIssues(spec: AppSpec, host: HostConfig, file: string): ConfigIssue[] {
  if (spec.replication !== "litefs") {
    return host.litefs?.role === "replica"
      ? [
          {
            file,
            path: "replication",
            message:
              "expected litefs: this host is a LiteFS replica (litefs.role: replica in hostctl.yml) and runs LiteFS apps only",
          },
        ]
      : [];
  }
  const issues: ConfigIssue[] = [];
  spec.databases.forEach((db, index) => {
    if (db.path.includes("/"))
      issues.push({
        file,
        path: `databases[${index}].path`,
        message: `expected a file name such as db.sqlite3 (LiteFS keeps databases in the root of its mount), got "${db.path}"`,
      });
  });
  if (spec.databases.length === 0)
    issues.push({
      file,
      path: "databases",
      message: "expected at least one database: replication: litefs replicates SQLite databases",
    });
  return issues;
}
