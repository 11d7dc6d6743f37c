import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { LagTracker } from "../../../src/litestream/lag.js";
import {
  exactShadowV03,
  metaDirV03,
  parseLitestreamMetrics,
  shadowWalFile,
} from "../../../src/litestream/metrics-v03.js";
import { ownPositions } from "../../../src/litestream/scrape.js";

afterAll(cleanupTempDirs);

// Captured from Litestream 0.3.13's /metrics, caught up after two checkpoints: the shadow WAL files
// kept are 16512 + 16512 + 4152 bytes (shadow_wal_size is their total), the replica is at (2, 4152).
const SCRAPE = `# HELP litestream_shadow_wal_index The current index of the shadow WAL
# TYPE litestream_shadow_wal_index gauge
litestream_replica_wal_bytes{db="/d/db.sqlite3",name="s3"} 20664
litestream_replica_wal_index{db="/d/db.sqlite3",name="s3"} 2
litestream_replica_wal_offset{db="/d/db.sqlite3",name="s3"} 4152
litestream_shadow_wal_index{db="/d/db.sqlite3"} 2
litestream_shadow_wal_size{db="/d/db.sqlite3"} 37176
litestream_sync_count{db="/d/db.sqlite3"} 7
litestream_wal_size{db="/d/db.sqlite3"} 16512
`;

async function metaDir(files: Record<number, number>): Promise<string> {
  const meta = join(await tempDir("meta"), ".db.sqlite3-litestream");
  await mkdir(join(meta, "generations", "0123456789abcdef", "wal"), { recursive: true });
  await writeFile(join(meta, "generation"), "0123456789abcdef\n");
  for (const [index, size] of Object.entries(files))
    await writeFile(shadowWalFile(meta, "0123456789abcdef", Number(index)), Buffer.alloc(size));
  return meta;
}

describe("Litestream 0.3.13 positions", () => {
  it("reads the shadow index and the replica (index, offset); never the shadow total as an offset", () => {
    expect(parseLitestreamMetrics(SCRAPE)).toEqual([
      { db: "/d/db.sqlite3", shadow: { index: 2, offset: 0 }, replicas: { s3: { index: 2, offset: 4152 } }, syncs: 7 },
    ]);
  });

  it("takes the shadow offset from the current shadow WAL file, so a caught-up replica reads caught up after checkpoints", async () => {
    const meta = await metaDir({ 0: 16512, 1: 16512, 2: 4152 });
    const exact = await exactShadowV03(parseLitestreamMetrics(SCRAPE)[0]!, meta);
    expect(exact.shadow).toEqual({ index: 2, offset: 4152 });
    expect(new LagTracker().observe([exact], new Date())[0]).toMatchObject({ behind: false, lag_s: 0 });
  });

  it("reads behind when the current shadow file holds more than the replica acknowledged", async () => {
    const meta = await metaDir({ 2: 8280 });
    const exact = await exactShadowV03(parseLitestreamMetrics(SCRAPE)[0]!, meta);
    expect(exact.shadow).toEqual({ index: 2, offset: 8280 });
    expect(new LagTracker().observe([exact], new Date())[0]?.behind).toBe(true);
  });

  it("counts an unreadable shadow file as unknown (behind), never as caught up", async () => {
    const exact = await exactShadowV03(parseLitestreamMetrics(SCRAPE)[0]!, join(await tempDir("meta"), "none"));
    expect(exact.shadow).toEqual({ index: 2, offset: Number.MAX_SAFE_INTEGER });
  });

  it("finds the meta directory where 0.3.13 puts it unless the config says otherwise", () => {
    expect(metaDirV03("/a/data/db.sqlite3")).toBe("/a/data/.db.sqlite3-litestream");
    expect(metaDirV03("/a/data/db.sqlite3", "/m")).toBe("/m");
    expect(shadowWalFile("/m", "g", 26)).toBe("/m/generations/g/wal/0000001a.wal");
  });

  it("refuses metrics that name only another app's databases (another Litestream on our port)", () => {
    const all = parseLitestreamMetrics(SCRAPE);
    expect(() => ownPositions(all, { port: 9430, databases: [{ path: "/other/db.sqlite3" }] })).toThrow(
      /belong to another Litestream \(databases: \/d\/db\.sqlite3\)/,
    );
    expect(ownPositions(all, { port: 9430, databases: [{ path: "/d/db.sqlite3" }] })).toHaveLength(1);
    expect(ownPositions([], { port: 9430, databases: [{ path: "/d/db.sqlite3" }] })).toEqual([]);
  });
});
