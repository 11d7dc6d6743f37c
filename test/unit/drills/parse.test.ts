import { describe, expect, it } from "vitest";
import { factsQuery, parseFacts } from "../../../src/drills/facts.js";
import { lastFullIntegrity, lastVerdict, parseDrills } from "../../../src/drills/history.js";
import { litestreamError, restoredGeneration } from "../../../src/drills/restore.js";
import { drillReason } from "../../../src/drills/result.js";

describe("Litestream restore output", () => {
  it("extracts the error of the failing run and the generation restored", () => {
    const failed = `time=2026-11-23T09:12:00.699Z level=INFO msg="restoring snapshot" db=/d/db replica=s3 generation=3c85c3ba8eb9b5d5 index=0 path=o.tmp
time=2026-11-23T09:12:00.700Z level=ERROR msg="failed to run" error="cannot restore snapshot: lz4: bad magic number"`;
    expect(litestreamError(failed)).toBe("cannot restore snapshot: lz4: bad magic number");
    expect(restoredGeneration(failed)).toBe("3c85c3ba8eb9b5d5");
    expect(
      litestreamError(
        'level=ERROR msg="failed to run" error="cannot fetch generations: RequestError: send request failed\\ncaused by: Get \\"http://x\\""',
      ),
    ).toBe('cannot fetch generations: RequestError: send request failed caused by: Get "http://x"');
  });
});

describe("facts", () => {
  it("counts ordinary tables only and quotes their names", () => {
    const sql = factsQuery([
      { name: "items", sql: "CREATE TABLE items(x)" },
      { name: 'we"ird', sql: "CREATE TABLE x" },
      { name: "search", sql: "CREATE VIRTUAL TABLE search USING fts5(body)" },
      { name: "sqlite_sequence", sql: "CREATE TABLE sqlite_sequence(name,seq)" },
      { name: "_hostctl_canary", sql: "CREATE TABLE _hostctl_canary(id)" },
    ]);
    expect(sql).toContain(
      `SELECT 'items' AS n, (SELECT count(*) FROM "items") AS c UNION ALL SELECT 'we"ird' AS n, (SELECT count(*) FROM "we""ird") AS c)`,
    );
    expect(sql).not.toContain('FROM "search"');
    expect(sql).toContain("FROM sqlite_sequence");
    expect(sql).toContain("FROM _hostctl_canary WHERE id = 1");
    expect(sql).toContain("NULL AS migrations");
  });

  it("parses the one row into facts and finds FTS5 tables", () => {
    const facts = parseFacts(
      {
        schema: '[["table","items","items","CREATE TABLE items(x)"]]',
        fk: 0,
        sequences: null,
        canary: "2024-01-01T00:00:00.000Z",
        migrations: null,
        counts_0: '{"items":3}',
      },
      [{ name: "search", sql: "CREATE VIRTUAL TABLE search USING fts5(body)" }],
    );
    expect(facts).toEqual({
      schema: [["table", "items", "items", "CREATE TABLE items(x)"]],
      counts: { items: 3 },
      sequences: {},
      canary: "2024-01-01T00:00:00.000Z",
      migrations: null,
      foreignKeyViolations: 0,
      fts5: ["search"],
      integrity: null,
    });
  });
});

describe("history", () => {
  const ok = {
    ok: true,
    app: "a",
    started_at: "2024-01-01T00:00:00.000Z",
    duration_ms: 1,
    trigger: "cli",
    live: true,
    versions: null,
    databases: [
      {
        path: "db",
        ok: true,
        generation: null,
        restore_ms: 1,
        bytes: 1,
        lag_s: 0,
        integrity: "full",
        checks: [{ name: "integrity", ok: true, detail: "" }],
      },
    ],
  };
  const skipped = { ...ok, ok: false, skipped: true, started_at: "2024-01-02T00:00:00.000Z", databases: [] };

  it("skips a torn last line and finds the last verdict and full integrity check", () => {
    const drills = parseDrills(`${JSON.stringify(ok)}\n${JSON.stringify(skipped)}\n{"ok":tr`);
    expect(drills).toHaveLength(2);
    expect(lastVerdict(drills)?.started_at).toBe("2024-01-01T00:00:00.000Z");
    expect(lastFullIntegrity(drills, "db")).toEqual(new Date("2024-01-01T00:00:00.000Z"));
    expect(lastFullIntegrity(drills, "other")).toBeUndefined();
  });

  it("names each failing database's first failed check in the reason", () => {
    expect(
      drillReason([
        {
          path: "a.db",
          ok: false,
          generation: null,
          restore_ms: null,
          bytes: null,
          lag_s: null,
          integrity: null,
          checks: [{ name: "replica", ok: false, detail: "no replica: x" }],
        },
        {
          path: "b.db",
          ok: true,
          generation: null,
          restore_ms: null,
          bytes: null,
          lag_s: null,
          integrity: null,
          checks: [],
        },
      ]),
    ).toBe("a.db: replica: no replica: x");
  });
});
