import { posix } from "node:path";
import type { AppSpec, HostConfig } from "./schema.js";
import { ConfigError, type ConfigIssue } from "../lib/errors.js";

export const METRICS_PORT_SPAN = 100;

/** Pure cross-field checks that one schema cannot see: other apps, host settings. */
export function checkAppRules(spec: AppSpec, others: readonly AppSpec[], host: HostConfig, file: string): void {
  const issues: ConfigIssue[] = [];
  const clash = others.find((other) => other.name !== spec.name && other.port === spec.port);
  if (clash) issues.push({ file, path: "port", message: `port ${spec.port} is already used by app "${clash.name}"` });
  const base = host.litestream.metrics_port_base;
  if (spec.port >= base && spec.port < base + METRICS_PORT_SPAN) {
    issues.push({ file, path: "port", message: `ports ${base}-${base + METRICS_PORT_SPAN - 1} are reserved for Litestream metrics (litestream.metrics_port_base), got ${spec.port}` });
  }
  const seen = new Map<string, number>();
  spec.databases.forEach((db, index) => {
    const name = posix.basename(db.path);
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({ file, path: `databases[${index}].path`, message: `file name "${name}" is already used by databases[${first}]; each database needs its own replica path` });
    }
    seen.set(name, index);
  });
  if (spec.kind === "generic" && spec.build !== undefined && spec.build.trim() === "") {
    issues.push({ file, path: "build", message: "expected a command line" });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
