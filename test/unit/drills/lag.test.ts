import { describe, expect, it } from "vitest";
import { LagTracker, type DbPositions } from "../../../src/litestream/lag.js";

function at(shadow: [number, number], replica: [number, number], shadowWrittenMs?: number): DbPositions[] {
  return [
    {
      db: "/d/db.sqlite3",
      shadow: { index: shadow[0], offset: shadow[1] },
      replicas: { s3: { index: replica[0], offset: replica[1] } },
      syncs: 1,
      ...(shadowWrittenMs === undefined ? {} : { shadowWrittenMs }),
    },
  ];
}

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);

describe("LagTracker", () => {
  it("reports 0 and not behind while the replica keeps up with the shadow WAL", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([0, 100], [0, 100]), t(0))).toEqual([{ db: "/d/db.sqlite3", lag_s: 0, behind: false }]);
    expect(tracker.observe(at([0, 200], [0, 200]), t(5))).toEqual([{ db: "/d/db.sqlite3", lag_s: 0, behind: false }]);
  });

  it("stays caught up across checkpoints: positions compare as (index, offset), not as totals", () => {
    const tracker = new LagTracker();
    for (let i = 0; i < 12; i++) {
      // Every checkpoint starts a new shadow WAL file at its header; the replica follows within the sync interval.
      expect(tracker.observe(at([i, 4152 + 4128 * (i % 3)], [i, 4152 + 4128 * (i % 3)]), t(i * 5))[0]).toEqual({
        db: "/d/db.sqlite3",
        lag_s: 0,
        behind: false,
      });
    }
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

  it("counts a replica on an older shadow file as behind whatever the offsets", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([3, 100], [2, 90_000]), t(0))[0]?.behind).toBe(true);
    expect(tracker.observe(at([3, 100], [3, 100]), t(1))[0]?.behind).toBe(false);
  });

  it("never reads 0 while a write waits: the shadow file's mtime dates it, else a minimum", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([0, 200], [0, 100], t(-4).getTime()), t(0))[0]).toEqual({
      db: "/d/db.sqlite3",
      lag_s: 4,
      behind: true,
    });
    const fresh = new LagTracker();
    const first = fresh.observe(at([0, 200], [0, 100]), t(0))[0];
    expect(first?.behind).toBe(true);
    expect(first?.lag_s).toBeGreaterThan(0);
  });

  it("an unknown shadow offset reads behind until the replica moves past that index", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([2, Number.MAX_SAFE_INTEGER], [2, 4152]), t(0))[0]?.behind).toBe(true);
    expect(tracker.observe(at([3, 4152], [3, 4152]), t(2))[0]).toMatchObject({ behind: false, lag_s: 0 });
  });

  it("an unknown shadow offset, once known on the same index, stops counting as soon as the replica reaches it", () => {
    const tracker = new LagTracker();
    expect(tracker.observe(at([2, Number.MAX_SAFE_INTEGER], [2, 100]), t(0))[0]?.behind).toBe(true);
    expect(tracker.observe(at([2, 4152], [2, 4152]), t(5))[0]).toMatchObject({ behind: false, lag_s: 0 });
    tracker.observe(at([4, Number.MAX_SAFE_INTEGER], [4, 100]), t(10));
    expect(tracker.observe(at([4, 8000], [4, 4152]), t(15))[0]).toMatchObject({ behind: true, lag_s: 5 });
  });

  it("starts over when the shadow index goes backwards (a new generation)", () => {
    const tracker = new LagTracker();
    tracker.observe(at([5, 100], [4, 0]), t(0));
    expect(tracker.observe(at([0, 50], [0, 50]), t(10))[0]).toMatchObject({ lag_s: 0, behind: false });
  });

  it("keeps counting while scrapes fail, from the last time it was caught up", () => {
    const tracker = new LagTracker();
    tracker.observe(at([0, 100], [0, 100]), t(0));
    expect(tracker.stale(t(45))).toEqual([{ db: "/d/db.sqlite3", lag_s: 45, behind: true }]);
  });

  it("counts a database Litestream has not synced yet as behind since first seen, though the positions match", () => {
    const tracker = new LagTracker();
    const unsynced = (s: number) => tracker.observe([{ ...at([0, 0], [0, 0])[0]!, syncs: 0, unsynced: true }], t(s))[0];
    expect(unsynced(0)).toMatchObject({ behind: true });
    expect(unsynced(12)).toEqual({ db: "/d/db.sqlite3", lag_s: 12, behind: true });
    expect(tracker.observe(at([0, 4152], [0, 4152]), t(13))[0]).toMatchObject({ lag_s: 0, behind: false });
  });
});
