import { describe, expect, it } from "vitest";
import { replicaTxidsFromLog } from "../../../src/litestream/local-v05.js";
import { LagTracker } from "../../../src/litestream/lag.js";

// Lines as Litestream v0.5.14 prints them (text handler, level info).
const START = 'time=2026-12-06T02:32:55.556Z level=INFO msg=litestream version=v0.5.14 level=""';
const uploaded = (db: string, max: string) =>
  `time=2026-12-06T02:32:56.623Z level=INFO msg="ltx file uploaded" system=store db=${db} replica=s3 level=0 minTXID=${max} maxTXID=${max} size=627`;
const synced = (db: string, replica: string, local: string) =>
  `time=2026-12-06T02:32:58.561Z level=INFO msg="replica sync" system=store db=${db} replica=s3 txid.replica=${replica} txid.db=${local}`;

describe("replicaTxidsFromLog (Litestream 0.5's own record of what reached the replica)", () => {
  it("takes the highest TXID uploaded to L0 or reported at a sync, per database", () => {
    const log = [
      START,
      synced("db.sqlite3", "0000000000000000", "0000000000000001"),
      uploaded("db.sqlite3", "0000000000000001"),
    ];
    log.push(synced("db.sqlite3", "0000000000000001", "000000000000000b"), uploaded("db.sqlite3", "000000000000000a"));
    log.push(uploaded('"my db.sqlite3"', "0000000000000003"));
    expect(replicaTxidsFromLog(log.join("\n"))).toEqual(
      new Map([
        ["db.sqlite3", 10],
        ["my db.sqlite3", 3],
      ]),
    );
  });

  it("counts only lines after Litestream's last start, and never an upload to a higher level", () => {
    const before = [START, uploaded("db.sqlite3", "0000000000000009")];
    const higherLevel = uploaded("db.sqlite3", "0000000000000007").replace(" level=0 ", " level=1 ");
    expect(
      replicaTxidsFromLog(
        [...before, START, higherLevel, synced("db.sqlite3", "0000000000000002", "0000000000000004")].join("\n"),
      ),
    ).toEqual(new Map([["db.sqlite3", 2]]));
  });
});

describe("LagTracker with the oldest unshipped write dated by the engine", () => {
  it("reads the lag from that date, and caught up as soon as the replica has the local TXID", () => {
    const tracker = new LagTracker();
    const now = new Date(100_000);
    const db = { db: "/d/db.sqlite3", replicas: { replica: { index: 4, offset: 0 } }, syncs: 3 };
    expect(tracker.observe([{ ...db, shadow: { index: 6, offset: 0 }, oldestUnshippedMs: 96_500 }], now)).toEqual([
      { db: "/d/db.sqlite3", behind: true, lag_s: 3.5 },
    ]);
    const shipped = { ...db, replicas: { replica: { index: 6, offset: 0 } }, shadow: { index: 6, offset: 0 } };
    expect(tracker.observe([shipped], new Date(101_000))).toEqual([{ db: "/d/db.sqlite3", behind: false, lag_s: 0 }]);
  });
});
