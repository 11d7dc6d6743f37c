import { readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { DbPositions } from "./lag.js";

// 0.3.13's shadow_wal_size is the total of all kept shadow WALs, not an offset: the local offset
// is the current shadow WAL file's size (equals the replica's once caught up, checked on 0.3.13).

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(LABEL))
    labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return labels;
}

/** Shared by both engines' parsers: `entry` makes a database's positions on first sight. */
export function positionsByDb(): { dbs: Map<string, DbPositions>; entry: (db: string) => DbPositions } {
  const dbs = new Map<string, DbPositions>();
  const entry = (db: string): DbPositions => {
    let found = dbs.get(db);
    if (!found) dbs.set(db, (found = { db, shadow: { index: 0, offset: 0 }, replicas: {}, syncs: 0 }));
    return found;
  };
  return { dbs, entry };
}

/** Pure: Prometheus text → samples with a `db` label, as (metric, labels, value). */
export function dbSamples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels = labelsOf(m[2] ?? "");
    const value = Number(m[3]);
    if (labels.db !== undefined && !Number.isNaN(value)) out.push({ name: m[1] ?? "", labels, value });
  }
  return out;
}

/** Pure: the shadow offset is left at 0; only the shadow WAL file knows it (exactShadowV03). */
export function parseLitestreamMetrics(text: string): DbPositions[] {
  const { dbs, entry } = positionsByDb();
  for (const { name, labels, value } of dbSamples(text)) {
    const db = labels.db ?? "";
    const replica = labels.name ?? "";
    if (name === "litestream_shadow_wal_index") entry(db).shadow.index = value;
    else if (name === "litestream_replica_wal_index")
      (entry(db).replicas[replica] ??= { index: 0, offset: 0 }).index = value;
    else if (name === "litestream_replica_wal_offset")
      (entry(db).replicas[replica] ??= { index: 0, offset: 0 }).offset = value;
    else if (name === "litestream_sync_count") entry(db).syncs = value;
  }
  return [...dbs.values()];
}

/** 0.3.13's default meta directory: `.<name>-litestream` beside the database. */
export function metaDirV03(dbPath: string, metaPath?: string): string {
  return metaPath ?? join(dirname(dbPath), `.${basename(dbPath)}-litestream`);
}

export function shadowWalFile(metaDir: string, generation: string, index: number): string {
  return join(metaDir, "generations", generation, "wal", `${index.toString(16).padStart(8, "0")}.wal`);
}

/** An unreadable file counts as its end, so the replica reads behind until it passes that index:
 * never caught up by mistake. */
export async function exactShadowV03(db: DbPositions, metaDir: string): Promise<DbPositions> {
  try {
    const generation = (await readFile(join(metaDir, "generation"), "utf8")).trim();
    const info = await stat(shadowWalFile(metaDir, generation, db.shadow.index));
    return { ...db, shadow: { index: db.shadow.index, offset: info.size }, shadowWrittenMs: info.mtimeMs };
  } catch {
    return { ...db, shadow: { index: db.shadow.index, offset: Number.MAX_SAFE_INTEGER } };
  }
}
