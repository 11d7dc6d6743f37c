import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../src/config/app.js";
import { checkRestored, ONE_PROCESS_MAX_BYTES, type DbContext } from "../../src/drills/check-restored.js";
import type { DatabaseResult } from "../../src/drills/result.js";
import { systemClock } from "../../src/lib/clock.js";
import { unitContext } from "../helpers/host-context.js";
import { sql } from "../helpers/sqlite.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

/** A drill's restored copy: 2000 rows with an index, in WAL mode like every restored database. */
async function copyOf(dir: string, name: string): Promise<string> {
  const db = join(dir, name);
  await sql(
    db,
    `PRAGMA journal_mode=WAL; CREATE TABLE items(id INTEGER PRIMARY KEY, body TEXT);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO items SELECT i, 'row ' || i FROM n;
     CREATE INDEX items_body ON items(body); PRAGMA wal_checkpoint(TRUNCATE);`,
  );
  return db;
}

/** Overwrites the index's root page with garbage: SQLite cannot even walk that b-tree. */
async function garbleIndex(db: string): Promise<void> {
  const root = Number(await sql(db, "SELECT rootpage FROM sqlite_master WHERE name = 'items_body';", true));
  const pageSize = Number(await sql(db, "PRAGMA page_size;", true));
  const file = await open(db, "r+");
  try {
    await file.write(Buffer.alloc(pageSize, 0x5a), 0, pageSize, (root - 1) * pageSize);
  } finally {
    await file.close();
  }
}

/** Sound pages whose index no longer matches its table: only integrity_check's messages can say so. */
async function mismatchIndex(db: string): Promise<void> {
  await sql(
    db,
    "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql = 'CREATE INDEX items_body ON items(id)' WHERE name = 'items_body';",
  );
}

async function check(db: string, bytes: number): Promise<DatabaseResult> {
  const ctx = await unitContext(systemClock);
  const d: DbContext = {
    spec: validateAppSpec(
      { name: "blog", repo: "/r", port: 8001, kind: "generic", databases: [{ path: "db.sqlite3" }] },
      "app.yml",
    ),
    ctx,
    livePath: join(ctx.paths.home, "none.sqlite3"),
    noLive: true,
    now: () => new Date(),
    maxLagMs: 60_000,
    history: [],
  };
  const result: DatabaseResult = {
    path: "db.sqlite3",
    ok: false,
    generation: null,
    restore_ms: null,
    bytes,
    lag_s: null,
    integrity: null,
    checks: [],
  };
  await checkRestored(d, result, db, Promise.resolve(undefined), undefined);
  return result;
}

// A copy up to ONE_PROCESS_MAX_BYTES is checked and read by one sqlite3 process, a larger one by two side by
// side; `bytes` (what the restore reported) picks the way, so both are tried on the same small files.
describe.each([
  ["one process", (size: number) => size],
  ["two processes", () => ONE_PROCESS_MAX_BYTES + 1],
])("the restored copy's integrity check (%s)", (_label, bytes) => {
  it("passes a sound copy and reads its facts", async () => {
    const db = await copyOf(await tempDir("drill-copy"), "sound.sqlite3");
    const result = await check(db, bytes((await stat(db)).size));
    expect(result.integrity).toBe("full");
    expect(result.checks.find((c) => c.name === "integrity")).toMatchObject({
      ok: true,
      detail: "integrity_check: ok",
    });
    expect(result.checks.find((c) => c.name === "schema")).toBeUndefined();
  });

  it("fails a copy whose index is garbage", async () => {
    const db = await copyOf(await tempDir("drill-copy"), "garbled.sqlite3");
    await garbleIndex(db);
    const result = await check(db, bytes((await stat(db)).size));
    const integrity = result.checks.find((c) => c.name === "integrity");
    expect(integrity?.ok).toBe(false);
    expect(integrity?.detail).toMatch(/malformed/);
  });

  it("fails a copy whose index does not match its table, with integrity_check's messages", async () => {
    const db = await copyOf(await tempDir("drill-copy"), "mismatched.sqlite3");
    await mismatchIndex(db);
    const result = await check(db, bytes((await stat(db)).size));
    const integrity = result.checks.find((c) => c.name === "integrity");
    expect(integrity?.ok).toBe(false);
    expect(integrity?.detail).toMatch(/^integrity_check: .*missing from index items_body/);
  });

  it("names what sqlite3 could not read in a copy, not the caret line it prints after it", async () => {
    const db = await copyOf(await tempDir("drill-copy"), "foreign-canary.sqlite3");
    // A canary table of another shape: reading its timestamp is a parse error, which the shell prints on three lines.
    await sql(db, "CREATE TABLE _hostctl_canary(id INTEGER PRIMARY KEY, at TEXT);");
    const result = await check(db, bytes((await stat(db)).size));
    const schema = result.checks.find((c) => c.name === "schema");
    expect(schema?.ok).toBe(false);
    expect(schema?.detail).toMatch(/^cannot read the restored copy: .*no such column: updated_at/);
  });
});
