import { describe, expect, it } from "vitest";
import {
  checkForeignKeys,
  checkFreshness,
  checkFts,
  checkIntegrity,
  checkMigrations,
  checkRowCounts,
  checkSchema,
  checkSequences,
  chooseIntegrityMode,
  rowAllowance,
} from "../../../src/drills/checks.js";
import type { SchemaEntry } from "../../../src/drills/facts.js";

const NOW = new Date("2024-05-01T12:00:00.000Z");

describe("integrity", () => {
  it("passes only a single ok row", () => {
    expect(checkIntegrity(["ok"], "full")).toEqual({ name: "integrity", ok: true, detail: "integrity_check: ok" });
    expect(checkIntegrity(["*** in database main ***", "Page 4 is never used"], "quick").detail).toBe(
      "quick_check: *** in database main ***, Page 4 is never used",
    );
  });

  it("uses quick_check above 1 GiB, but a full check when the last full one is a week old", () => {
    expect(chooseIntegrityMode(100 * 1024 ** 2, undefined, NOW)).toBe("full");
    expect(chooseIntegrityMode(2 * 1024 ** 3, new Date("2024-04-29T00:00:00Z"), NOW)).toBe("quick");
    expect(chooseIntegrityMode(2 * 1024 ** 3, new Date("2024-04-20T00:00:00Z"), NOW)).toBe("full");
    expect(chooseIntegrityMode(2 * 1024 ** 3, undefined, NOW)).toBe("full");
  });
});

describe("comparisons with live", () => {
  it("allows no more foreign key violations than live", () => {
    expect(checkForeignKeys(2, 2).ok).toBe(true);
    expect(checkForeignKeys(3, 2).ok).toBe(false);
    expect(checkForeignKeys(1, undefined).ok).toBe(false);
  });

  it("names each FTS5 table that fails its integrity-check", () => {
    expect(checkFts([])).toBeUndefined();
    expect(checkFts([{ table: "a" }, { table: "b", error: "database disk image is malformed" }])).toEqual({
      name: "fts5",
      ok: false,
      detail: "b: database disk image is malformed",
    });
  });

  it("reports missing, extra and changed schema objects", () => {
    const live: SchemaEntry[] = [
      ["table", "a", "a", "CREATE TABLE a(x)"],
      ["table", "b", "b", "CREATE TABLE b(y, z)"],
      ["index", "i", "a", "CREATE INDEX i ON a(x)"],
    ];
    const restored: SchemaEntry[] = [
      ["table", "a", "a", "CREATE TABLE a(x)"],
      ["table", "b", "b", "CREATE TABLE b(y)"],
      ["table", "old", "old", "CREATE TABLE old(q)"],
    ];
    expect(checkSchema(restored, live).detail).toBe(
      "missing from the replica: index i; only in the replica: table old; different definition: table b",
    );
    expect(checkSchema(live, live).ok).toBe(true);
  });

  it("tolerates row differences inside a proven window only, and lists every differing table", () => {
    expect(rowAllowance(1_000_000, true)).toBe(1000);
    expect(rowAllowance(50, true)).toBe(10);
    expect(rowAllowance(50, false)).toBe(0);
    expect(checkRowCounts({ a: 100, b: 5 }, { a: 103, b: 5 }, true)).toEqual({
      name: "row_counts",
      ok: true,
      detail: "within the replication window: restored/live: a 100/103",
    });
    const failed = checkRowCounts({ a: 100, b: 5, c: 0 }, { a: 103, b: 5, c: 1 }, false);
    expect(failed.ok).toBe(false);
    expect(failed.detail).toBe(
      "restored/live: a 100/103 (beyond the window), c 0/1 (beyond the window); the replication window is not proven (freshness failed)",
    );
    expect(checkRowCounts({ a: 100 }, { a: 200 }, true).ok).toBe(false);
  });

  it("requires django_migrations to equal live", () => {
    expect(checkMigrations(["a.0001"], ["a.0001"]).ok).toBe(true);
    expect(checkMigrations(["a.0001"], ["a.0001", "a.0002"]).detail).toBe("missing from the replica: a.0002");
    expect(checkMigrations(null, null).ok).toBe(false);
  });

  it("fails a sqlite_sequence ahead of live or behind it beyond the window", () => {
    expect(checkSequences({ a: 10 }, { a: 12 }, true).ok).toBe(true);
    expect(checkSequences({ a: 10 }, { a: 12 }, false).ok).toBe(false);
    expect(checkSequences({ a: 13 }, { a: 12 }, true).detail).toBe("a ahead of live (13 > 12)");
  });
});

describe("freshness", () => {
  it("measures RPO as live canary minus restored canary and fails above max_lag", () => {
    expect(checkFreshness("2024-05-01T11:59:00.000Z", "2024-05-01T11:59:00.000Z", NOW, 60_000)).toMatchObject({
      lagS: 0,
      check: { ok: true },
    });
    expect(checkFreshness("2024-05-01T11:57:00.000Z", "2024-05-01T11:59:00.000Z", NOW, 60_000)).toMatchObject({
      lagS: 120,
      check: { ok: false },
    });
  });

  it("says RPO unknown rather than passing without a canary", () => {
    expect(checkFreshness(null, "2024-05-01T11:59:00.000Z", NOW, 60_000)).toMatchObject({
      lagS: null,
      check: { ok: false },
    });
    expect(checkFreshness(null, null, NOW, 60_000).check.detail).toMatch(/^RPO unknown/);
    expect(checkFreshness("2024-05-01T11:59:00.000Z", null, NOW, 60_000).check.detail).toMatch(
      /^RPO unknown: the live database/,
    );
  });

  it("without a live copy compares with now, allowing one canary interval", () => {
    expect(checkFreshness("2024-05-01T11:58:30.000Z", undefined, NOW, 60_000)).toMatchObject({
      lagS: 30,
      check: { ok: true },
    });
    expect(checkFreshness("2024-05-01T11:57:00.000Z", undefined, NOW, 60_000)).toMatchObject({
      lagS: 120,
      check: { ok: false },
    });
  });
});
