import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { sqliteErrorLine, sqliteQuery } from "../lib/sqlite.js";
import {
  checkFreshness,
  checkFts,
  checkForeignKeys,
  checkIntegrity,
  checkMigrations,
  checkRowCounts,
  checkSchema,
  checkSequences,
  chooseIntegrityMode,
  type FtsOutcome,
} from "./checks.js";
import { quoteIdent, readFacts, type DbFacts, type TableInfo } from "./facts.js";
import { lastFullIntegrity } from "./history.js";
import { check, type CheckResult, type DatabaseResult, type DrillResult, type IntegrityMode } from "./result.js";
import { isDjangoKind } from "../config/kinds.js";

/** What the drill of one database needs to know. */
export interface DbContext {
  spec: AppSpec;
  ctx: HostContext;
  livePath: string;
  noLive: boolean;
  now: () => Date;
  maxLagMs: number;
  history: readonly DrillResult[];
}

/** Up to this size one sqlite3 process checks then counts (warm pages); above it the facts are read
 * on the other core while the check runs. */
export const ONE_PROCESS_MAX_BYTES = 32 * 1024 * 1024;

/** The integrity check of the restored copy on its own (beside the reading of its facts). */
async function runIntegrity(d: DbContext, restored: string, mode: IntegrityMode): Promise<CheckResult> {
  const pragma = mode === "full" ? "integrity_check" : "quick_check";
  try {
    const rows = await sqliteQuery(d.ctx.run, restored, `SELECT ${pragma} AS m FROM pragma_${pragma};`, {
      timeoutMs: 6 * 3_600_000,
    });
    return checkIntegrity(
      rows.map((r) => String(r.m)),
      mode,
    );
  } catch (error) {
    return check("integrity", false, sqliteErrorLine(error));
  }
}

async function runFts(d: DbContext, restored: string, tables: readonly string[]): Promise<FtsOutcome[]> {
  const outcomes: FtsOutcome[] = [];
  for (const table of tables) {
    try {
      // A write, so only ever on the scratch copy.
      await sqliteQuery(
        d.ctx.run,
        restored,
        `INSERT INTO ${quoteIdent(table)}(${quoteIdent(table)}) VALUES('integrity-check');`,
      );
      outcomes.push({ table });
    } catch (error) {
      outcomes.push({ table, error: sqliteErrorLine(error) });
    }
  }
  return outcomes;
}

/** The comparisons: pure checks over the restored facts and (unless --no-live) the live facts. */
function compare(
  d: DbContext,
  restored: DbFacts,
  live: DbFacts | undefined,
): { checks: CheckResult[]; lagS: number | null } {
  const freshness = checkFreshness(restored.canary, live === undefined ? undefined : live.canary, d.now(), d.maxLagMs);
  const checks = [checkForeignKeys(restored.foreignKeyViolations, live?.foreignKeyViolations), freshness.check];
  if (live !== undefined) {
    const proven = freshness.check.ok;
    checks.push(checkSchema(restored.schema, live.schema), checkRowCounts(restored.counts, live.counts, proven));
    if (isDjangoKind(d.spec.kind)) checks.push(checkMigrations(restored.migrations, live.migrations));
    checks.push(checkSequences(restored.sequences, live.sequences, proven));
  }
  return { checks, lagS: freshness.lagS };
}

export async function checkRestored(
  d: DbContext,
  db: DatabaseResult,
  restored: string,
  live: Promise<DbFacts | undefined>,
  tables: TableInfo[] | undefined,
): Promise<void> {
  const mode = chooseIntegrityMode(db.bytes ?? 0, lastFullIntegrity(d.history, db.path), d.now());
  db.integrity = mode;
  // A large copy: the check reads every page on one core while the counts read on the other.
  const oneProcess = (db.bytes ?? 0) <= ONE_PROCESS_MAX_BYTES;
  const integrity = oneProcess ? undefined : runIntegrity(d, restored, mode);
  let facts: DbFacts;
  try {
    facts = await readFacts(d.ctx.run, restored, {
      readonly: false,
      ...(tables ? { tables } : {}),
      ...(oneProcess ? { integrity: mode } : {}),
    });
  } catch (error) {
    // The check on its own still says what it finds in a copy whose facts cannot be read.
    db.checks.push(await (integrity ?? runIntegrity(d, restored, mode)));
    db.checks.push(check("schema", false, `cannot read the restored copy: ${sqliteErrorLine(error)}`));
    await live;
    return;
  }
  db.checks.push(integrity ? await integrity : checkIntegrity(facts.integrity ?? [], mode));
  const fts = checkFts(await runFts(d, restored, facts.fts5));
  if (fts) db.checks.push(fts);
  const { checks, lagS } = compare(d, facts, await live);
  db.checks.push(...checks);
  db.lag_s = lagS;
}

export function readLive(
  d: DbContext,
  db: DatabaseResult,
  tables: TableInfo[] | undefined,
): Promise<DbFacts | undefined> {
  if (d.noLive) return Promise.resolve(undefined);
  return readFacts(d.ctx.run, d.livePath, { readonly: true, ...(tables ? { tables } : {}) }).catch((error: unknown) => {
    db.checks.push(check("live", false, `cannot read ${d.livePath}: ${sqliteErrorLine(error)}`));
    return undefined;
  });
}
