import { posix } from "node:path";
import type { HostConfig } from "./schema.js";
import { parseReplicaUrl } from "./replica.js";
import { ConfigError } from "../lib/errors.js";

function isWithin(dir: string, parent: string): boolean {
  const rel = posix.relative(parent, dir);
  return rel === "" || (!rel.startsWith("..") && !posix.isAbsolute(rel));
}

/**
 * Pure cross-field checks of the host config against where it lives. A file:// replica that overlaps
 * HOME is no replica: losing the host loses both, and `app remove --purge` or a restore would walk into it.
 */
export function checkHostRules(config: HostConfig, home: string, file: string): void {
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
