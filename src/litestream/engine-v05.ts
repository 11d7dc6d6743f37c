import { fileURLToPath } from "node:url";
import { replicateArgs, restoreArgs } from "./args.js";
import type { LitestreamEngine } from "./engine.js";
import { litestreamConfigSchemaV05 } from "./config-keys.js";
import { ReplicaTxids, parseMetricsV05 } from "./metrics-v05.js";
import { fetchMetricsText, ownPositions } from "./scrape.js";
import type { DbPositions } from "./lag.js";
import { metaDirV05, oldestUnshippedMs, readLogTail, replicaTxidsFromLog } from "./local-v05.js";

export const BUILTIN_TEMPLATE_V05 = fileURLToPath(new URL("../../templates/litestream-0.5.yml.tmpl", import.meta.url));

// Litestream 0.5 also restores a 0.3 replica (generations/) newer than any LTX data
// (verified on v0.5.14, docs/litestream-engines.md), so both count as data.
/** LTX levels 0000-0009 on S3, ltx/ in a file replica. */
export function ltxPrefixes(base: string): string[] {
  return [`${base}/000`, `${base}/ltx/`];
}

export function engineV05(binary: string, version: string): LitestreamEngine {
  const txids = new ReplicaTxids();
  return {
    line: "0.5",
    version,
    binary,
    builtinTemplate: BUILTIN_TEMPLATE_V05,
    overrideName: "litestream-0.5.yml.tmpl",
    configSchema: litestreamConfigSchemaV05,
    replicateArgs,
    // 0.5.14 accepts the same restore flags as 0.3.13 (-config, -no-expand-env, -o, -timestamp).
    restoreArgs: (o) => restoreArgs(o),
    dataPrefixes: (base) => [...ltxPrefixes(base), `${base}/generations/`],
    unreadablePrefixes: () => [],
    scrape: async (target, store, bases) => {
      const own = ownPositions(parseMetricsV05(await fetchMetricsText(target.port, 2000)), target);
      const logged = target.log === undefined ? undefined : replicaTxidsFromLog(await readLogTail(target.log));
      const meta = new Map(target.databases.map((db) => [db.path, metaDirV05(db.path, db.metaPath)]));
      const filled = await txids.fill(own, store, bases, logged);
      return Promise.all(filled.map((db) => datedV05(db, meta.get(db.db) ?? metaDirV05(db.db))));
    },
    isNoBackup: (output) => /no matching backup files available|no (matching )?backups found/i.test(output),
    restoredFrom: (output) => /txid=([0-9a-f]{16})\b/.exec(output)?.[1] ?? null,
    restoreLeftovers: (outputPath) => [`${outputPath}.tmp`],
  };
}

/** A database behind its replica gets the date of its oldest unshipped transaction (see lag.ts). */
async function datedV05(db: DbPositions, metaDir: string): Promise<DbPositions> {
  const replica = db.replicas.replica?.index ?? -1;
  if (db.shadow.index <= replica) return db;
  const since = await oldestUnshippedMs(metaDir, replica);
  return since === undefined ? db : { ...db, oldestUnshippedMs: since };
}
