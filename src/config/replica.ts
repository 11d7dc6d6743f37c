import { posix } from "node:path";

export type ReplicaTarget = { kind: "s3"; bucket: string; prefix: string } | { kind: "file"; dir: string };

/** Pure: s3://BUCKET/PREFIX or file:///DIR → its parts (the URL was checked by the schema). */
export function parseReplicaUrl(url: string): ReplicaTarget {
  if (url.startsWith("file://")) return { kind: "file", dir: posix.normalize(url.slice("file://".length)) };
  const rest = url.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? "" : rest.slice(slash + 1).replace(/^\/+|\/+$/g, "");
  return { kind: "s3", bucket, prefix };
}

/** Unique per database. */
export function replicaKey(target: ReplicaTarget, app: string, dbPath: string): string {
  const db = posix.basename(dbPath);
  if (target.kind === "file") return posix.join(target.dir, app, db);
  return [target.prefix, app, db].filter((part) => part !== "").join("/");
}

/** Where hostctl keeps its own objects (markers, registry, lease) beside the databases. */
export function controlKey(target: ReplicaTarget, ...parts: string[]): string {
  if (target.kind === "file") return posix.join(target.dir, "_hostctl", ...parts);
  return [target.prefix, "_hostctl", ...parts].filter((part) => part !== "").join("/");
}
