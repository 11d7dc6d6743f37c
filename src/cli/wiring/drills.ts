import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../../config/schema.js";
import { appPaths } from "../../config/paths.js";
import { errorMessage } from "../../lib/errors.js";
import { DrillScheduler } from "../../drills/scheduler.js";
import { CANARY_INTERVAL_MS, touchCanary } from "../../drills/canary.js";
import { drillMetrics, renderMetrics, type AppMetrics } from "../../drills/metrics.js";
import { lastVerdict, readDrills } from "../../drills/history.js";
import type { DrillResult } from "../../drills/result.js";
import { LagTracker, type ReplicaLag } from "../../litestream/lag.js";
import { engineOf } from "../../litestream/engine-v03.js";
import { replicaKey } from "../../config/replica.js";
import { readScrapeTarget } from "../../litestream/target.js";
import { StallWatch } from "../../litestream/stall.js";
import { parseDuration } from "../../lib/duration.js";
import { restartStalled } from "./stall-restart.js";
import type { Supervisor } from "../../supervisor/main.js";
import type { AppUnit } from "../../supervisor/app-unit.js";
import type { MediaWiring } from "./media.js";
import { databaseDirOf } from "../../litefs/paths.js";

const OBSERVE_MS = 5000;

function drillSummary(result: DrillResult | undefined) {
  if (!result) return null;
  return { ok: result.ok, at: result.started_at, duration_ms: result.duration_ms, reason: result.reason ?? null, skipped: result.skipped ?? false };
}

/**
 * Drills on their cron schedules, the canary row every minute, replication lag from each Litestream's
 * metrics, and /metrics: the parts of the drills feature that live in the supervisor.
 */
export async function wireDrills(supervisor: Supervisor, media?: MediaWiring): Promise<void> {
  const { ctx } = supervisor;
  const specs: AppSpec[] = [...supervisor.units.values()].map((u) => u.spec);
  const histories = new Map<string, DrillResult[]>();
  // drills.jsonl is also appended to by `hostctl drill` in its own process: re-read it when it changed.
  const historyStamps = new Map<string, string>();
  const loadHistory = async (name: string) => {
    const file = appPaths(ctx.paths, name).drills;
    const info = await stat(file).catch(() => undefined);
    const stamp = info ? `${info.size}:${info.mtimeMs}` : "none";
    if (historyStamps.get(name) === stamp) return;
    historyStamps.set(name, stamp);
    const history = await readDrills(file, 20);
    histories.set(name, history);
    supervisor.units.get(name)?.annotate("last_drill", drillSummary(lastVerdict(history)));
  };
  for (const spec of specs) await loadHistory(spec.name);
  const scheduler = new DrillScheduler({
    apps: specs,
    ctx,
    onResult: (result) => {
      const history = [...(histories.get(result.app) ?? []), result].slice(-20);
      histories.set(result.app, history);
      supervisor.units.get(result.app)?.annotate("last_drill", drillSummary(lastVerdict(history)));
    },
  });
  scheduler.start();

  const engine = engineOf(ctx);
  supervisor.addStatus(() => ({ litestream: { version: engine.version, line: engine.line, binary: engine.binary } }));

  const trackers = new Map<string, LagTracker>();
  const stalls = new Map<string, StallWatch>();
  const lags = new Map<string, ReplicaLag[]>();
  const canaryAt = new Map<string, number>();
  const observe = async (unit: AppUnit) => {
    await loadHistory(unit.spec.name).catch((error: unknown) => ctx.log.warn({ event: "drills.history_unreadable", app: unit.spec.name, reason: errorMessage(error) }, "drill history not read"));
    const port = unit.metricsPort;
    if (!unit.litestreamRunning || port === undefined) return;
    const tracker = trackers.get(unit.spec.name) ?? new LagTracker();
    trackers.set(unit.spec.name, tracker);
    const now = ctx.clock.now();
    let lag: ReplicaLag[];
    try {
      const bases = new Map(unit.spec.databases.map((db) => [join(databaseDirOf(unit.spec, unit.paths), db.path), replicaKey(ctx.store.target, unit.spec.name, db.path)]));
      lag = tracker.observe(await engine.scrape(await readScrapeTarget(unit.paths.litestreamConfig, port), ctx.store, bases), now);
    } catch {
      lag = tracker.stale(now);
    }
    lags.set(unit.spec.name, lag);
    const stall = stalls.get(unit.spec.name) ?? new StallWatch((parseDuration(ctx.host.litestream.stall_timeout) ?? 120_000) / 1000);
    stalls.set(unit.spec.name, stall);
    const verdict = stall.observe(lag, now.getTime());
    if (verdict.action === "restart") void restartStalled(ctx, unit, verdict);
    unit.annotate("replication", lag.map((l) => ({ database: l.db, lag_s: l.lag_s, behind: l.behind })));
    if (now.getTime() - (canaryAt.get(unit.spec.name) ?? 0) >= CANARY_INTERVAL_MS) {
      canaryAt.set(unit.spec.name, now.getTime());
      for (const db of unit.spec.databases) {
        // The canary row lets a drill measure the replica's freshness exactly instead of guessing.
        await touchCanary(ctx.run, join(databaseDirOf(unit.spec, unit.paths), db.path), now).catch((error: unknown) =>
          ctx.log.warn({ event: "canary.failed", app: unit.spec.name, database: db.path, reason: errorMessage(error) }, "canary not written"));
      }
    }
  };
  let observing = false;
  const tick = () => {
    if (observing) return;
    observing = true;
    void Promise.all([...supervisor.units.values()].map(observe)).finally(() => {
      observing = false;
    });
  };
  const timer = setInterval(tick, OBSERVE_MS);
  // A first canary soon after start, so a drill right after boot can already measure freshness.
  setTimeout(tick, 1000).unref();

  supervisor.onUnits({
    added: (unit) => {
      scheduler.add(unit.spec);
      void loadHistory(unit.spec.name);
    },
    removed: (name) => {
      void scheduler.remove(name);
      histories.delete(name);
      historyStamps.delete(name);
      trackers.delete(name);
      stalls.delete(name);
      lags.delete(name);
      canaryAt.delete(name);
    },
  });

  supervisor.routes.add("GET /metrics", () => {
    const apps: AppMetrics[] = [...supervisor.units.values()].map((unit) => {
      const status = unit.status();
      const drills = drillMetrics(histories.get(unit.spec.name) ?? []);
      const lag = lags.get(unit.spec.name) ?? [];
      const mediaLag = media?.lagSeconds(unit.spec.name);
      return {
        app: unit.spec.name,
        ...(mediaLag === undefined ? {} : { mediaLagSeconds: mediaLag }),
        up: status.state === "running",
        restarts: Object.fromEntries(status.processes.map((p) => [p.type, p.restarts])),
        databases: unit.spec.databases.map((db) => {
          const path = join(databaseDirOf(unit.spec, unit.paths), db.path);
          const replicaLag = lag.find((l) => l.db === path)?.lag_s;
          return { database: db.path, ...(drills.get(db.path) ?? drills.get(path) ?? {}), ...(replicaLag === undefined ? {} : { replicaLagSeconds: replicaLag }) };
        }),
      };
    });
    return Promise.resolve({ body: null, text: renderMetrics({ apps }) });
  });
  supervisor.routes.add("POST /apps/:name/drill", async ({ name = "" }) => {
    await scheduler.trigger(supervisor.unit(name).spec);
    return { body: supervisor.unit(name).status() };
  });
  supervisor.onStop(async () => {
    clearInterval(timer);
    await scheduler.stop();
  });
}
