import { describe, expect, it } from "vitest";
import { LagTracker, parseLitestreamMetrics, type DbPositions } from "../../../src/litestream/lag.js";

// Captured from Litestream 0.3.13's /metrics (trimmed).
const SCRAPE = `# HELP litestream_shadow_wal_index The current index of the shadow WAL
# TYPE litestream_shadow_wal_index gauge
litestream_db_size{db="/d/db.sqlite3"} 16384
litestream_replica_wal_index{db="/d/db.sqlite3",name="s3"} 0
litestream_replica_wal_offset{db="/d/db.sqlite3",name="s3"} 16512
litestream_shadow_wal_index{db="/d/db.sqlite3"} 1
litestream_shadow_wal_size{db="/d/db.sqlite3"} 4152
litestream_wal_size{db="/d/db.sqlite3"} 16512
litestream_sync_count{db="/d/db.sqlite3"} 1
`;

function at(shadow: [number, number], replica: [number, number]): DbPositions[] {
  return [{ db: "/d/db.sqlite3", shadow: { index: shadow[0], offset: shadow[1] }, replicas: { s3: { index: replica[0], offset: replica[1] } }, syncs: 1 }];
}

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);

describe("parseLitestreamMetrics", () => {
  it("reads the shadow WAL and replica WAL positions per database", () => {
    expect(parseLitestreamMetrics(SCRAPE)).toEqual(at([1, 4152], [0, 16512]));
  });
});

describe("LagTracker", () => {
  it("reports 0 and not behind while the replica keeps up with the shadow WAL", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([0, 100], [0, 100]), t(0))).toEqual([{ db: "/d/db.sqlite3", lag_s: 0, behind: false }]);
    expect(tracker.observe(at([0, 200], [0, 200]), t(5))).toEqual([{ db: "/d/db.sqlite3", lag_s: 0, behind: false }]);
  });

  it("measures from when the shadow first reached a position the replica has not", () => {
    const tracker = new LagTracker();
    tracker.observe(at([0, 100], [0, 100]), t(0));
    tracker.observe(at([0, 200], [0, 100]), t(10));
    tracker.observe(at([0, 300], [0, 100]), t(20));
    expect(tracker.observe(at([0, 400], [0, 100]), t(30))[0]).toEqual({ db: "/d/db.sqlite3", lag_s: 20, behind: true });
    // The replica reached 200 (first seen at 10s) but not 300 (first seen at 20s).
    expect(tracker.observe(at([0, 400], [0, 250]), t(31))[0]).toMatchObject({ lag_s: 11, behind: true });
    expect(tracker.observe(at([1, 0], [1, 0]), t(32))[0]).toEqual({ db: "/d/db.sqlite3", lag_s: 0, behind: false });
  });

  it("starts over when the shadow position goes backwards (a new generation)", () => {
    const tracker = new LagTracker();
    tracker.observe(at([5, 100], [4, 0]), t(0));
    expect(tracker.observe(at([0, 50], [0, 0]), t(10))[0]).toMatchObject({ lag_s: 0, behind: true });
  });

  it("keeps counting while scrapes fail, from the last time it was caught up", () => {
    const tracker = new LagTracker();
    tracker.observe(at([0, 100], [0, 100]), t(0));
    expect(tracker.stale(t(45))).toEqual([{ db: "/d/db.sqlite3", lag_s: 45, behind: true }]);
  });
});
