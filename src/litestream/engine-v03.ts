import { fileURLToPath } from "node:url";
import { replicateArgs, restoreArgs } from "./args.js";
import type { LitestreamEngine } from "./engine.js";
import { litestreamConfigSchemaV03 } from "./config-keys.js";
import { scrapeLitestream } from "./scrape.js";
import { ltxPrefixes } from "./engine-v05.js";

export const BUILTIN_TEMPLATE_V03 = fileURLToPath(new URL("../../litestream.yml.tmpl", import.meta.url));

/** Litestream 0.3.x (0.3.13 ships in @flydotio/litestream): generations of snapshots and WALs. */
export function engineV03(binary: string, version = "v0.3.13"): LitestreamEngine {
  return {
    line: "0.3",
    version,
    binary,
    builtinTemplate: BUILTIN_TEMPLATE_V03,
    overrideName: "litestream.yml.tmpl",
    configSchema: litestreamConfigSchemaV03,
    replicateArgs,
    restoreArgs: (o) => restoreArgs(o),
    dataPrefixes: (base) => [`${base}/generations/`],
    unreadablePrefixes: (base) => ltxPrefixes(base).map((prefix) => ({ prefix, writer: "Litestream 0.5" })),
    scrape: (target) => scrapeLitestream(target),
    isNoBackup: (output) => /no (matching )?(backups|snapshots|generations?)/i.test(output),
    restoredFrom: (output) => /generation=([0-9a-f]{16})\b/.exec(output)?.[1] ?? null,
    restoreLeftovers: (outputPath) => [`${outputPath}.tmp-wal`, `${outputPath}.tmp-shm`],
  };
}
