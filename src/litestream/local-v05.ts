import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

// Read from Litestream's own log, not the replica target (which may hang); only lines after its
// last start count. Write times are the mtimes of local L0 files (kept until compacted, v0.5.14).

const START = /\bmsg=litestream version=/;
const DB = /\sdb=("(?:[^"\\]|\\.)*"|\S+)/;
const UPLOADED = /\bmsg="ltx file uploaded".*\slevel=0\s.*\bmaxTXID=([0-9a-f]{16})\b/;
const SYNCED = /\bmsg="replica sync".*\btxid\.replica=([0-9a-f]{16})\b/;

/** Pure: the replica TXID per database (as the log names it: its base name) in 0.5's text log. */
export function replicaTxidsFromLog(log: string): Map<string, number> {
  const lines = log.split("\n");
  let from = 0;
  lines.forEach((line, i) => {
    if (START.test(line)) from = i;
  });
  const txids = new Map<string, number>();
  for (const line of lines.slice(from)) {
    const txid = UPLOADED.exec(line)?.[1] ?? SYNCED.exec(line)?.[1];
    const db = DB.exec(line)?.[1];
    if (txid === undefined || db === undefined) continue;
    const name = db.startsWith('"') ? (JSON.parse(db) as string) : db;
    txids.set(name, Math.max(txids.get(name) ?? 0, Number.parseInt(txid, 16)));
  }
  return txids;
}

/** The last `bytes` of a log file ("" when there is none). */
export async function readLogTail(path: string, bytes = 64 * 1024): Promise<string> {
  const file = await open(path, "r").catch(() => undefined);
  if (!file) return "";
  try {
    const { size } = await file.stat();
    const length = Math.min(size, bytes);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.toString("utf8");
  } finally {
    await file.close();
  }
}

/** 0.5's default meta directory: `.<name>-litestream` beside the database. */
export function metaDirV05(dbPath: string, metaPath?: string): string {
  return metaPath ?? join(dirname(dbPath), `.${basename(dbPath)}-litestream`);
}

const LTX = /^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$/;

/** The mtime of the first L0 file past `replicaTxid`, if that file is still there. */
export async function oldestUnshippedMs(metaDir: string, replicaTxid: number): Promise<number | undefined> {
  const dir = join(metaDir, "ltx", "0");
  let first: { min: number; name: string } | undefined;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = LTX.exec(name);
    const min = m ? Number.parseInt(m[1] ?? "", 16) : Number.NaN;
    const max = m ? Number.parseInt(m[2] ?? "", 16) : Number.NaN;
    if (max > replicaTxid && (first === undefined || min < first.min)) first = { min, name };
  }
  if (!first) return undefined;
  return (await stat(join(dir, first.name)).catch(() => undefined))?.mtimeMs;
}
