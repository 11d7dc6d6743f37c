/**
 * Replication lag outside drills. Litestream 0.3.13 exports no lag metric, but its /metrics (served on
 * the `addr:` of each app's config) has the two positions to compare, per database:
 *   litestream_shadow_wal_index{db} / litestream_shadow_wal_size{db}               what Litestream has copied from SQLite's WAL
 *   litestream_replica_wal_index{db,name} / litestream_replica_wal_offset{db,name}  what the replica has acknowledged
 * The replica is behind while its position is below the shadow's; the lag is how long ago the shadow first
 * reached a position the replica still has not.
 */

export interface Position {
  index: number;
  offset: number;
}

export interface DbPositions {
  db: string;
  shadow: Position;
  /** Per replica name; hostctl configures one replica per database. */
  replicas: Record<string, Position>;
  /** litestream_sync_count: 0 until Litestream's first sync of the database (see waitLitestreamReady). */
  syncs: number;
}

export interface ReplicaLag {
  db: string;
  lag_s: number;
  behind: boolean;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return labels;
}

/** Pure: Litestream's Prometheus text → positions per database. */
export function parseLitestreamMetrics(text: string): DbPositions[] {
  const dbs = new Map<string, DbPositions>();
  const entry = (db: string): DbPositions => {
    let found = dbs.get(db);
    if (!found) dbs.set(db, (found = { db, shadow: { index: 0, offset: 0 }, replicas: {}, syncs: 0 }));
    return found;
  };
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, name = "", rawLabels = "", rawValue = ""] = m;
    const labels = labelsOf(rawLabels);
    const value = Number(rawValue);
    if (labels.db === undefined || Number.isNaN(value)) continue;
    const replica = labels.name ?? "";
    if (name === "litestream_shadow_wal_index") entry(labels.db).shadow.index = value;
    else if (name === "litestream_shadow_wal_size") entry(labels.db).shadow.offset = value;
    else if (name === "litestream_replica_wal_index") (entry(labels.db).replicas[replica] ??= { index: 0, offset: 0 }).index = value;
    else if (name === "litestream_sync_count") entry(labels.db).syncs = value;
    else if (name === "litestream_replica_wal_offset") (entry(labels.db).replicas[replica] ??= { index: 0, offset: 0 }).offset = value;
  }
  return [...dbs.values()];
}

export function comparePositions(a: Position, b: Position): number {
  return a.index !== b.index ? a.index - b.index : a.offset - b.offset;
}

/** Fetches one app's Litestream metrics from its loopback port. */
export async function scrapeLitestream(port: number, timeoutMs = 2000): Promise<DbPositions[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`litestream metrics on 127.0.0.1:${port}: HTTP ${response.status}`);
  return parseLitestreamMetrics(await response.text());
}

interface Pending {
  position: Position;
  firstSeenMs: number;
}

/**
 * Fed successive scrapes, reports per database how long the oldest unreplicated write has waited.
 * Positions the shadow WAL passed through are remembered (first time seen) until the replica reaches them.
 */
export class LagTracker {
  private readonly pending = new Map<string, Pending[]>();
  private readonly lastSeen = new Map<string, number>();

  observe(scrape: readonly DbPositions[], now: Date): ReplicaLag[] {
    const nowMs = now.getTime();
    return scrape.map((db) => {
      const replica = slowestReplica(db);
      let queue = this.pending.get(db.db) ?? [];
      const newest = queue[queue.length - 1];
      // The shadow index going backwards is a new generation (after a restore or a checkpoint reset): start over.
      if (newest && comparePositions(db.shadow, newest.position) < 0) queue = [];
      if (!queue.some((p) => comparePositions(p.position, db.shadow) === 0)) queue.push({ position: db.shadow, firstSeenMs: nowMs });
      queue = queue.filter((p) => comparePositions(p.position, replica) > 0);
      this.pending.set(db.db, queue);
      this.lastSeen.set(db.db, nowMs);
      const oldest = queue[0];
      return { db: db.db, behind: oldest !== undefined, lag_s: oldest === undefined ? 0 : Math.max(0, (nowMs - oldest.firstSeenMs) / 1000) };
    });
  }

  /**
   * When a scrape fails (Litestream down), nothing new can reach the replica: every database counts as
   * behind since its oldest pending write, or since the last scrape that showed it caught up.
   */
  stale(now: Date): ReplicaLag[] {
    return [...this.lastSeen.entries()].map(([db, seenMs]) => {
      const since = this.pending.get(db)?.[0]?.firstSeenMs ?? seenMs;
      return { db, behind: true, lag_s: Math.max(0, (now.getTime() - since) / 1000) };
    });
  }

  forget(db: string): void {
    this.pending.delete(db);
    this.lastSeen.delete(db);
  }
}

function slowestReplica(db: DbPositions): Position {
  const replicas = Object.values(db.replicas);
  if (replicas.length === 0) return { index: -1, offset: 0 };
  return replicas.reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
}
