import { stat } from "node:fs/promises";
import { engineOf } from "../litestream/select.js";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { parseDuration } from "../lib/duration.js";
import { errorMessage } from "../lib/errors.js";
import { replicaKey } from "../config/replica.js";
import { replicaState } from "../s3/replica-state.js";
import { listTables } from "./facts.js";
import { readDrills } from "./history.js";
import { restoreReplica } from "./restore.js";
import { drillMedia, replicaMedia } from "./media-drill.js";
import {
  check,
  drillReason,
  type CheckResult,
  type DatabaseResult,
  type DrillResult,
  type DrillTrigger,
} from "./result.js";
import { DISK_FACTOR, formatBytes, freeBytes, hasRoom, makeScratch, removeScratch } from "./scratch.js";
import { databaseDirOf } from "../litefs/paths.js";
import { checkRestored, readLive, type DbContext } from "./check-restored.js";
import { readVersions } from "./versions.js";

export interface DrillOptions {
  /** No live copy on this host: intrinsic checks and freshness against now only. */
  noLive?: boolean;
  now?: () => Date;
  trigger?: DrillTrigger;
}

async function liveSize(path: string): Promise<number | undefined> {
  try {
    const main = (await stat(path)).size;
    const wal = await stat(`${path}-wal`).then(
      (s) => s.size,
      () => 0,
    );
    return main + wal;
  } catch {
    return undefined;
  }
}

/** "unreachable" is never reported as "no replica". */
async function checkReplica(d: DbContext, dbPath: string): Promise<CheckResult> {
  const state = await replicaState(d.ctx.store, d.spec.name, dbPath, engineOf(d.ctx));
  switch (state.state) {
    case "unreachable":
      return check("replica", false, `unreachable: ${state.error.message}`);
    case "empty":
      return check(
        "replica",
        false,
        `no replica: nothing under ${replicaKey(d.ctx.store.target, d.spec.name, dbPath)}/generations/`,
      );
    case "exists":
      return check("replica", true, `${d.ctx.store.url}: reachable, replica exists`);
  }
}

async function drillDatabase(d: DbContext, dbPath: string): Promise<DatabaseResult> {
  const db: DatabaseResult = {
    path: dbPath,
    ok: false,
    generation: null,
    restore_ms: null,
    bytes: null,
    lag_s: null,
    integrity: null,
    checks: [],
  };
  const size = d.noLive ? undefined : await liveSize(d.livePath);
  if (!d.noLive && size === undefined) {
    db.checks.push(
      check(
        "live",
        false,
        `${d.livePath} does not exist; on a host without a live copy run: hostctl drill ${d.spec.name} --no-live`,
      ),
    );
  }
  // The probe only names a failure, so it runs beside the restore, after the spawn (its signing CPU
  // would delay it). Unreachable ends the restore: Litestream's S3 client hung for hours.
  const unreachable = new AbortController();
  const probeReplica = () =>
    checkReplica(d, dbPath).then((result) => {
      if (!result.ok && result.detail.startsWith("unreachable")) unreachable.abort();
      return result;
    });
  // Media belong to the app, not to one database: checked once, with the first (Django's default).
  const drillsMedia = dbPath === d.spec.databases[0]?.path;
  const scratch = await makeScratch(d.ctx.paths, d.spec.name);
  try {
    const free = await freeBytes(scratch);
    const disk = check(
      "disk",
      hasRoom(free, size),
      `${formatBytes(free)} free in ${scratch}, need ${size === undefined ? "unknown (no live copy)" : formatBytes(DISK_FACTOR * size)}`,
    );
    if (!disk.ok) {
      db.checks.push(await probeReplica(), disk);
      return finish(db);
    }
    const out = join(scratch, "restored.sqlite3");
    const restoring = restoreReplica(
      d.ctx,
      appPaths(d.ctx.paths, d.spec.name).litestreamConfig,
      d.livePath,
      out,
      unreachable.signal,
    );
    const afterSpawn = new Promise<void>((resolve) => setImmediate(resolve));
    const replica = afterSpawn.then(probeReplica);
    // Listed beside the restore too (the first database's drill only).
    const mediaListing = drillsMedia ? afterSpawn.then(() => replicaMedia(d.ctx, d.spec.name)) : undefined;
    mediaListing?.catch(() => undefined);
    // Read during the restore, so counting needs no listing on the critical path.
    const liveTables =
      size === undefined
        ? undefined
        : afterSpawn.then(() => listTables(d.ctx.run, d.livePath, true)).catch(() => undefined);
    db.checks.push(await replica, disk);
    const restore = await restoring;
    if (db.checks.some((c) => c.name === "replica" && !c.ok)) return finish(db);
    db.restore_ms = restore.ms;
    if (!restore.ok) {
      db.checks.push(
        check(
          "restore",
          false,
          restore.noReplica
            ? `no replica: litestream restore: ${restore.error}`
            : `litestream restore failed: ${restore.error}`,
        ),
      );
      return finish(db);
    }
    // Beside the restored copy's integrity check (one core each), not beside the restore.
    const tables = await liveTables;
    const live = size === undefined ? Promise.resolve(undefined) : readLive(d, db, tables);
    Object.assign(db, { generation: restore.generation, bytes: restore.bytes });
    const from = restore.generation ? `generation ${restore.generation}, ` : "";
    db.checks.push(check("restore", true, `${from}${formatBytes(restore.bytes)} in ${restore.ms} ms`));
    await checkRestored(d, db, out, live, tables);
    if (drillsMedia) {
      db.checks.push(
        ...(await drillMedia({
          spec: d.spec,
          ctx: d.ctx,
          restoredDb: out,
          liveDb: d.livePath,
          live: !d.noLive,
          now: d.now(),
          maxLagMs: d.maxLagMs,
          ...(mediaListing ? { replica: mediaListing } : {}),
        })),
      );
    }
  } catch (error) {
    db.checks.push(check("restore", false, `drill error: ${errorMessage(error).split("\n").pop() ?? ""}`));
  } finally {
    await removeScratch(scratch);
  }
  return finish(db);
}

function finish(db: DatabaseResult): DatabaseResult {
  db.ok = db.checks.length > 0 && db.checks.every((c) => c.ok);
  return db;
}

/** Never throws for a failed check. */
export async function runDrill(spec: AppSpec, ctx: HostContext, options: DrillOptions = {}): Promise<DrillResult> {
  const now = options.now ?? (() => ctx.clock.now());
  const startedAt = now();
  const started = performance.now();
  const app = appPaths(ctx.paths, spec.name);
  // Only recorded: read beside the drill, not before it (two process starts).
  const versionsRead = readVersions(ctx);
  const history = await readDrills(app.drills);
  const maxLagMs = parseDuration(spec.drill.max_lag ?? ctx.host.drills.max_lag) ?? 60_000;
  const databases: DatabaseResult[] = [];
  for (const db of spec.databases) {
    const d: DbContext = {
      spec,
      ctx,
      livePath: join(databaseDirOf(spec, app), db.path),
      noLive: options.noLive ?? false,
      now,
      maxLagMs,
      history,
    };
    databases.push(await drillDatabase(d, db.path));
  }
  const versions = await versionsRead;
  const ok = databases.length > 0 && databases.every((db) => db.ok);
  const reason = databases.length === 0 ? "the app has no databases to drill" : drillReason(databases);
  return {
    ok,
    app: spec.name,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - started),
    ...(ok || reason === undefined ? {} : { reason }),
    trigger: options.trigger ?? "cli",
    live: !(options.noLive ?? false),
    versions,
    databases,
  };
}
