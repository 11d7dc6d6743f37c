import { posix } from "node:path";
import type { DbPositions } from "./lag.js";
import { dbSamples, positionsByDb } from "./metrics-v03.js";
import type { ReplicaStore } from "../s3/store.js";

/**
 * Positions of Litestream 0.5: its /metrics has the local TXID (litestream_txid{db}) but nothing about the
 * replica, so the replica's TXID is read from the replica itself: the highest max-TXID of its L0 files
 * (<min>-<max>.ltx, 16 hex digits each). Every transaction reaches L0 before any other level. Where the
 * levels live differs by replica type (checked on v0.5.14): S3 <base>/<level as %04x>/, file <base>/ltx/<level>/.
 */

/** Pure: the key prefix of one LTX level of a database's replica. */
export function ltxLevelPrefix(kind: "s3" | "file", base: string, level: number): string {
  return kind === "s3" ? `${base}/${level.toString(16).padStart(4, "0")}/` : `${base}/ltx/${level}/`;
}

/** Pure: 0.5's Prometheus text → local positions per database (replicas filled by replicaTxid). */
export function parseMetricsV05(text: string): DbPositions[] {
  const { dbs, entry } = positionsByDb();
  for (const { name, labels, value } of dbSamples(text)) {
    const db = labels.db ?? "";
    if (name === "litestream_txid") entry(db).shadow.index = value;
    else if (name === "litestream_sync_count") entry(db).syncs = value;
  }
  return [...dbs.values()];
}

const LTX = /^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/;

/** Pure: the highest TXID among LTX file names (keys or paths), 0 when there is none. */
export function maxTxid(locations: readonly string[]): number {
  let max = 0;
  for (const location of locations) {
    const m = LTX.exec(posix.basename(location));
    if (m) max = Math.max(max, Number.parseInt(m[2] ?? "0", 16));
  }
  return max;
}

/**
 * The replica's TXID per database, listed only while the local TXID differs from the last one seen: an idle,
 * caught-up database costs no request, a busy one one LIST per observation.
 */
export class ReplicaTxids {
  private readonly known = new Map<string, number>();

  async fill(dbs: readonly DbPositions[], store: ReplicaStore, bases: ReadonlyMap<string, string>): Promise<DbPositions[]> {
    return Promise.all(
      dbs.map(async (db) => {
        const base = bases.get(db.db);
        let txid = this.known.get(db.db) ?? -1;
        // Equal: caught up, nothing to ask. Below: a new database or lineage, where the old answer is stale.
        if (base !== undefined && db.shadow.index !== txid) {
          txid = maxTxid(await store.list(ltxLevelPrefix(store.target.kind, base, 0)));
          this.known.set(db.db, txid);
        }
        return { ...db, replicas: { replica: { index: txid, offset: 0 } } };
      }),
    );
  }
}
