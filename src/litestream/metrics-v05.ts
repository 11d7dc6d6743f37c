import { posix } from "node:path";
import type { DbPositions } from "./lag.js";
import { dbSamples, positionsByDb } from "./metrics-v03.js";
import type { ReplicaStore } from "../s3/store.js";

// 0.5's /metrics has no replica position, so the replica's TXID is the highest max-TXID of its
// L0 files: every transaction reaches L0 before any other level.

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

/** How long to wait for the replica's listing before using the last answer. */
const LIST_WAIT_MS = 1000;

/** From Litestream's log first; else listed only when the local TXID moved, never waited on past
 * LIST_WAIT_MS: a hung S3 makes writes read as behind instead of stopping the reading. */
export class ReplicaTxids {
  private readonly known = new Map<string, number>();
  private readonly listing = new Map<string, Promise<void>>();

  async fill(
    dbs: readonly DbPositions[],
    store: ReplicaStore,
    bases: ReadonlyMap<string, string>,
    logged: ReadonlyMap<string, number> = new Map(),
  ): Promise<DbPositions[]> {
    const names = dbs.map((db) => posix.basename(db.db));
    return Promise.all(
      dbs.map(async (db) => {
        const name = posix.basename(db.db);
        const fromLog = names.filter((n) => n === name).length === 1 ? logged.get(name) : undefined;
        const txid = fromLog ?? (await this.listed(db, store, bases.get(db.db)));
        return { ...db, replicas: { replica: { index: txid, offset: 0 } } };
      }),
    );
  }

  private async listed(db: DbPositions, store: ReplicaStore, base: string | undefined): Promise<number> {
    const known = this.known.get(db.db) ?? -1;
    // Equal: caught up. Below: a new database or lineage, where the old answer is stale.
    if (base === undefined || db.shadow.index === known) return known;
    let listing = this.listing.get(db.db);
    if (!listing) {
      listing = store
        .list(ltxLevelPrefix(store.target.kind, base, 0))
        .then((keys) => void this.known.set(db.db, maxTxid(keys)))
        .catch(() => undefined)
        .finally(() => this.listing.delete(db.db));
      this.listing.set(db.db, listing);
    }
    await Promise.race([listing, new Promise((resolve) => setTimeout(resolve, LIST_WAIT_MS).unref())]);
    return this.known.get(db.db) ?? -1;
  }
}
