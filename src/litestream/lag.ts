// Positions are exact and ordered: 0.3.13 (shadow WAL index, byte offset), 0.5 (TXID, 0).
// The lag is how long ago the local side first reached a position the replica still lacks.

export interface Position {
  index: number;
  offset: number;
}

export interface DbPositions {
  db: string;
  /** Every write up to the local position (shadow WAL / LTX files) is shipped or waiting to. */
  shadow: Position;
  /** Per replica name; hostctl configures one replica per database. */
  replicas: Record<string, Position>;
  /** 0 until Litestream's first sync of the database (see waitLitestreamReady). */
  syncs: number;
  /** The shadow file's mtime, if known: a pending write has waited at least since then. */
  shadowWrittenMs?: number;
  /** Exact when the engine knows it (0.5: mtime of the first unshipped local LTX file); then the
   * lag is read from it, not from scrape times. */
  oldestUnshippedMs?: number;
  /** Exists but not synced yet (syncs 0): nothing in it is known shipped. */
  unsynced?: boolean;
}

export interface ReplicaLag {
  db: string;
  lag_s: number;
  behind: boolean;
}

/** A lag that is behind never reads 0: a write waiting for less than this is shown as this. */
const MIN_BEHIND_S = 0.001;

export function comparePositions(a: Position, b: Position): number {
  return a.index !== b.index ? a.index - b.index : a.offset - b.offset;
}

interface Pending {
  position: Position;
  firstSeenMs: number;
}

/** Positions the local side passed are remembered (first seen) until the replica reaches them. */
export class LagTracker {
  private readonly pending = new Map<string, Pending[]>();
  private readonly lastSeen = new Map<string, number>();

  observe(scrape: readonly DbPositions[], now: Date): ReplicaLag[] {
    const nowMs = now.getTime();
    return scrape.map((db) => {
      if (db.unsynced) return this.unsyncedSince(db, nowMs);
      const replica = slowestReplica(db);
      if (db.oldestUnshippedMs !== undefined) return this.dated(db, replica, nowMs);
      let queue = this.pending.get(db.db) ?? [];
      const newest = queue[queue.length - 1];
      // The index going backwards is a new generation (after a restore or a reset): start over.
      if (newest && db.shadow.index < newest.position.index) queue = [];
      // The local position only grows within an index: a pending one beyond it was an unknown
      // offset (counted as end of file); now known, it keeps its first-seen time.
      queue = queue.map((p) =>
        p.position.index === db.shadow.index && p.position.offset > db.shadow.offset
          ? { ...p, position: db.shadow }
          : p,
      );
      if (!queue.some((p) => comparePositions(p.position, db.shadow) >= 0)) {
        // A write the replica lacks happened no later than the shadow file's last change.
        const written =
          db.shadowWrittenMs !== undefined && queue.length === 0 ? Math.min(nowMs, db.shadowWrittenMs) : nowMs;
        queue.push({ position: db.shadow, firstSeenMs: written });
      }
      queue = queue.filter((p) => comparePositions(p.position, replica) > 0);
      this.pending.set(db.db, queue);
      this.lastSeen.set(db.db, nowMs);
      const oldest = queue[0];
      if (oldest === undefined) return { db: db.db, behind: false, lag_s: 0 };
      return { db: db.db, behind: true, lag_s: Math.max(MIN_BEHIND_S, (nowMs - oldest.firstSeenMs) / 1000) };
    });
  }

  /** Litestream down: nothing can ship, so each database is behind since its oldest pending write
   * or the last scrape that showed it caught up. */
  stale(now: Date): ReplicaLag[] {
    return [...this.lastSeen.entries()].map(([db, seenMs]) => {
      const since = this.pending.get(db)?.[0]?.firstSeenMs ?? seenMs;
      return { db, behind: true, lag_s: Math.max(MIN_BEHIND_S, (now.getTime() - since) / 1000) };
    });
  }

  /** Before the first sync the replica's position means nothing: behind since first seen so. */
  private unsyncedSince(db: DbPositions, nowMs: number): ReplicaLag {
    const queue = this.pending.get(db.db) ?? [];
    if (queue.length === 0) this.pending.set(db.db, [{ position: db.shadow, firstSeenMs: nowMs }]);
    this.lastSeen.set(db.db, nowMs);
    const since = queue[0]?.firstSeenMs ?? nowMs;
    return { db: db.db, behind: true, lag_s: Math.max(MIN_BEHIND_S, (nowMs - since) / 1000) };
  }

  private dated(db: DbPositions, replica: Position, nowMs: number): ReplicaLag {
    this.pending.delete(db.db);
    this.lastSeen.set(db.db, nowMs);
    if (comparePositions(db.shadow, replica) <= 0) return { db: db.db, behind: false, lag_s: 0 };
    const since = Math.min(nowMs, db.oldestUnshippedMs ?? nowMs);
    this.pending.set(db.db, [{ position: db.shadow, firstSeenMs: since }]);
    return { db: db.db, behind: true, lag_s: Math.max(MIN_BEHIND_S, (nowMs - since) / 1000) };
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
