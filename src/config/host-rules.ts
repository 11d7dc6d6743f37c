import { posix } from "node:path";
import type { HostConfig } from "./schema.js";
import { parseReplicaUrl } from "./replica.js";
import { ConfigError } from "../lib/errors.js";
import { INTERNAL_PORT_SPAN, METRICS_PORT_SPAN } from "./rules.js";

function isWithin(dir: string, parent: string): boolean {
  const rel = posix.relative(parent, dir);
  return rel === "" || (!rel.startsWith("..") && !posix.isAbsolute(rel));
}

/** Pure: a file:// replica overlapping HOME is no replica: losing the host loses both, and
 * `app remove --purge` or a restore would walk into it. */
export function checkHostRules(config: HostConfig, home: string, file: string): void {
  const overlap = portRangeOverlap(config);
  if (overlap) throw new ConfigError([{ file, path: "proxy.internal_port_base", message: overlap }]);
  const target = parseReplicaUrl(config.replica.url);
  if (target.kind !== "file") return;
  if (isWithin(target.dir, home) || isWithin(home, target.dir)) {
    throw new ConfigError([
      {
        file,
        path: "replica.url",
        message: `expected a directory outside the host directory ${home} (a replica on the same tree is lost with it), got "${config.replica.url}"`,
      },
    ]);
  }
}

/** Pure: names both reserved ranges (metrics, internal) when they overlap. */
export function portRangeOverlap(config: HostConfig): string | undefined {
  if (!config.proxy) return undefined;
  const metrics = config.litestream.metrics_port_base;
  const internal = config.proxy.internal_port_base;
  if (internal >= metrics + METRICS_PORT_SPAN || metrics >= internal + INTERNAL_PORT_SPAN) return undefined;
  return `the apps' internal ports ${internal}-${internal + INTERNAL_PORT_SPAN - 1} (proxy.internal_port_base, two per app) overlap the Litestream metrics ports ${metrics}-${metrics + METRICS_PORT_SPAN - 1} (litestream.metrics_port_base, one per app): move one of them`;
}
