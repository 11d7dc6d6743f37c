import type { z } from "zod";
import type { DbPositions } from "./lag.js";
import type { ScrapeTarget } from "./scrape.js";
import type { ReplicaStore } from "../s3/store.js";

/** The Litestream lines hostctl runs; each has one adapter (engine-v03.ts, engine-v05.ts). */
export type EngineLine = "0.3" | "0.5";

export interface EngineRestoreOptions {
  configPath: string;
  dbPath: string;
  outputPath?: string;
  timestamp?: string;
}

/** What differs between Litestream lines; fail-closed restore-on-boot, markers and drills are
 * shared. */
export interface LitestreamEngine {
  line: EngineLine;
  /** As `litestream version` prints it, e.g. v0.3.13. */
  version: string;
  binary: string;
  /** The built-in template and the file name of its per-home override ($HOSTCTL_HOME/<name>). */
  builtinTemplate: string;
  overrideName: string;
  configSchema: z.ZodType;
  replicateArgs(configPath: string): string[];
  /** Never -if-replica-exists: an empty replica must fail; hostctl decides from its own probe. */
  restoreArgs(options: EngineRestoreOptions): string[];
  /** Prefixes under the replica base this engine restores from; any object there means data. */
  dataPrefixes(base: string): string[];
  /** Written by a line this engine cannot restore: data there must never read as "empty". */
  unreadablePrefixes(base: string): { prefix: string; writer: string }[];
  /** The replica positions of one app's databases, for the lag. */
  scrape(target: ScrapeTarget, store: ReplicaStore, replicaBases: ReadonlyMap<string, string>): Promise<DbPositions[]>;
  /** Pure: a restore's "no backup at all" failure, told from any other failure by its output. */
  isNoBackup(output: string): boolean;
  /** Pure: what the restore log names as the restored point (generation for 0.3, TXID for 0.5). */
  restoredFrom(output: string): string | null;
  /** Files a restore leaves beside its output (0.3.13 leaves its work file's WAL and SHM). */
  restoreLeftovers(outputPath: string): string[];
}

/** Pure: `litestream version` output → its line, or undefined for a line hostctl does not run. */
export function parseEngineVersion(output: string): { line: EngineLine; version: string } | undefined {
  const m = /\bv?(0)\.(3|5)\.(\d+)\b/.exec(output.trim());
  if (!m) return undefined;
  return { line: `0.${m[2]}` as EngineLine, version: `v0.${m[2]}.${m[3]}` };
}
