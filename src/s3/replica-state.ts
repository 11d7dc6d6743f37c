import { replicaKey } from "../config/replica.js";
import { HostctlError } from "../lib/errors.js";
import type { LitestreamEngine } from "../litestream/engine.js";
import type { ReplicaStore } from "./store.js";

export type ReplicaState = { state: "exists" } | { state: "empty" } | { state: "unreachable"; error: HostctlError };

/** 0.3's layout when no engine is given. */
export type EngineLayout = Pick<LitestreamEngine, "dataPrefixes" | "unreadablePrefixes" | "version">;

const V03_LAYOUT: EngineLayout = {
  version: "v0.3.13",
  dataPrefixes: (base) => [`${base}/generations/`],
  unreadablePrefixes: (base) => [`${base}/000`, `${base}/ltx/`].map((prefix) => ({ prefix, writer: "Litestream 0.5" })),
};

/** Asked of S3, never `litestream generations` (exit 0, empty, when S3 is down). Any failure, or
 * data only another Litestream line can restore, is "unreachable", never "empty". */
export async function replicaState(
  store: ReplicaStore,
  app: string,
  dbPath: string,
  engine: EngineLayout = V03_LAYOUT,
): Promise<ReplicaState> {
  const base = replicaKey(store.target, app, dbPath);
  // Every prefix is listed at once: one round trip to S3 on the restore's critical path, not three.
  const unreadable = engine.unreadablePrefixes(base);
  const data = engine.dataPrefixes(base);
  try {
    const prefixes = [...unreadable.map((u) => u.prefix), ...data];
    const found = await Promise.all(prefixes.map(async (prefix) => (await store.list(prefix, 1)).length > 0));
    for (const [i, { writer }] of unreadable.entries()) {
      if (found[i]) {
        return {
          state: "unreachable",
          error: new HostctlError(
            "REPLICA_ENGINE_MISMATCH",
            `the replica of ${app}/${dbPath} holds data written by ${writer}, which Litestream ${engine.version} cannot restore`,
            {
              hint: "run hostctl with the Litestream 0.5 binary that wrote it (litestream.binary in hostctl.yml or HOSTCTL_LITESTREAM); see docs/litestream-engines.md",
            },
          ),
        };
      }
    }
    return found.slice(unreadable.length).some(Boolean) ? { state: "exists" } : { state: "empty" };
  } catch (error) {
    return { state: "unreachable", error: error as HostctlError };
  }
}
