import { replicaKey } from "../config/replica.js";
import type { HostctlError } from "../lib/errors.js";
import type { ReplicaStore } from "./store.js";

export type ReplicaState =
  | { state: "exists" }
  | { state: "empty" }
  | { state: "unreachable"; error: HostctlError };

/**
 * Whether a database has a replica. Asked of S3 directly, never of `litestream generations`, which
 * exits 0 with an empty list when S3 cannot be reached. Any failure is "unreachable", never "empty".
 */
export async function replicaState(store: ReplicaStore, app: string, dbPath: string): Promise<ReplicaState> {
  const base = replicaKey(store.target, app, dbPath);
  try {
    const keys = await store.list(`${base}/generations/`, 1);
    return keys.length > 0 ? { state: "exists" } : { state: "empty" };
  } catch (error) {
    return { state: "unreachable", error: error as HostctlError };
  }
}
