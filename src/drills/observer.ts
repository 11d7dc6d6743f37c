import { databaseDirOf } from "../litefs/paths.js";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { replicaKey } from "../config/replica.js";
import type { Timer } from "../lib/clock.js";
import { parseDuration } from "../lib/duration.js";
import { errorMessage } from "../lib/errors.js";
import type { AppLoop } from "../lib/loop.js";
import { engineOf } from "../litestream/select.js";
import { LagTracker, type ReplicaLag } from "../litestream/lag.js";
import { StallWatch } from "../litestream/stall.js";
import { markUnsynced, readScrapeTarget } from "../litestream/scrape.js";
import type { AppFacts, AppStatus } from "../supervisor/control-protocol.js";
import { CANARY_INTERVAL_MS, touchCanary } from "./canary.js";
import { lastVerdict, readDrills } from "./history.js";
import { drillMetrics, type AppMetrics } from "./metrics.js";
import type { DrillResult } from "./result.js";
import { DrillScheduler, type DrillSchedulerOptions } from "./scheduler.js";
import { restartStalled } from "./stall-restart.js";

/** All reads are local, so an unshipped write shows as behind within seconds. */
export const OBSERVE_MS = 1000;
/** A first round soon after start, so a drill right after boot can already measure freshness. */
export const FIRST_OBSERVE_MS = 1000;
const HISTORY = 20;

/** What the observer needs of a supervised app. */
export interface ObservedApp {
  spec: AppSpec;
  paths: AppPaths;
  metricsPort: number | undefined;
  litestreamRunning: boolean;
  report<K extends "last_drill" | "replication">(key: K, value: AppFacts[K] | (() => AppFacts[K])): void;
  restartLitestream(): Promise<void>;
  status(): Pick<AppStatus, "state" | "processes">;
}

interface Observed {
  app: ObservedApp;
  history: DrillResult[];
  /** `hostctl drill` appends to drills.jsonl from its own process: re-read when this changes. */
  historyStamp: string | undefined;
  tracker: LagTracker;
  stall: StallWatch;
  lag: ReplicaLag[];
  canaryAt: number;
}

function drillSummary(result: DrillResult | undefined): AppFacts["last_drill"] {
  if (!result) return null;
  return {
    ok: result.ok,
    at: result.started_at,
    duration_ms: result.duration_ms,
    reason: result.reason ?? null,
    skipped: result.skipped ?? false,
  };
}

/** Drills on cron, the canary every minute, replication lag (restarting a stalled Litestream). */
export class DrillsObserver implements AppLoop<ObservedApp> {
  private readonly apps = new Map<string, Observed>();
  private readonly scheduler: DrillScheduler;
  private timers: Timer[] = [];
  private round: Promise<void> | undefined;
  private readonly loading = new Set<Promise<void>>();

  constructor(
    private readonly ctx: HostContext,
    options: Pick<DrillSchedulerOptions, "drill" | "cron"> = {},
  ) {
    this.scheduler = new DrillScheduler({ apps: [], ctx, ...options, onResult: (result) => this.recorded(result) });
  }

  add(app: ObservedApp): void {
    if (this.apps.has(app.spec.name)) return;
    const stallAfterS = (parseDuration(this.ctx.host.litestream.stall_timeout) ?? 120_000) / 1000;
    this.apps.set(app.spec.name, {
      app,
      history: [],
      historyStamp: undefined,
      tracker: new LagTracker(),
      stall: new StallWatch(stallAfterS),
      lag: [],
      canaryAt: 0,
    });
    this.scheduler.add(app.spec);
    const loading = this.loadHistory(app.spec.name).catch((error: unknown) =>
      this.ctx.log.warn(
        { event: "drills.history_unreadable", app: app.spec.name, reason: errorMessage(error) },
        "drill history not read",
      ),
    );
    this.loading.add(loading);
    void loading.finally(() => this.loading.delete(loading));
  }

  /** So status shows the last drill from the start. */
  async ready(): Promise<void> {
    await Promise.all([...this.loading]);
  }

  remove(name: string): void {
    void this.scheduler.remove(name);
    this.apps.delete(name);
  }

  start(): void {
    this.scheduler.start();
    const tick = () => {
      this.round ??= Promise.all([...this.apps.values()].map((o) => this.observe(o))).then(() => {
        this.round = undefined;
      });
    };
    this.timers = [this.ctx.clock.setInterval(tick, OBSERVE_MS), this.ctx.clock.setTimeout(tick, FIRST_OBSERVE_MS)];
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    await this.scheduler.stop();
  }

  /** Runs one app's drill now, through the schedule's queue and overlap rule. */
  trigger(spec: AppSpec): Promise<void> {
    return this.scheduler.trigger(spec);
  }

  /** Per app: its drills and replica lag as /metrics shows them. */
  metrics(mediaLag: (app: string) => number | undefined): AppMetrics[] {
    return [...this.apps.values()].map(({ app, history, lag }) => {
      const status = app.status();
      const drills = drillMetrics(history);
      return {
        app: app.spec.name,
        mediaLagSeconds: mediaLag(app.spec.name),
        up: status.state === "running",
        restarts: Object.fromEntries(status.processes.map((p) => [p.type, p.restarts])),
        databases: app.spec.databases.map((db) => {
          const path = join(databaseDirOf(app.spec, app.paths), db.path);
          const replicaLag = lag.find((l) => l.db === path)?.lag_s;
          return {
            database: db.path,
            ...(drills.get(db.path) ?? drills.get(path) ?? {}),
            ...(replicaLag === undefined ? {} : { replicaLagSeconds: replicaLag }),
          };
        }),
      };
    });
  }

  private recorded(result: DrillResult): void {
    const observed = this.apps.get(result.app);
    if (!observed) return;
    observed.history = [...observed.history, result].slice(-HISTORY);
    observed.app.report("last_drill", drillSummary(lastVerdict(observed.history)));
  }

  private async loadHistory(name: string): Promise<void> {
    const observed = this.apps.get(name);
    if (!observed) return;
    const file = observed.app.paths.drills;
    const info = await stat(file).catch(() => undefined);
    const stamp = info ? `${info.size}:${info.mtimeMs}` : "none";
    if (observed.historyStamp === stamp) return;
    observed.historyStamp = stamp;
    observed.history = await readDrills(file, HISTORY);
    observed.app.report("last_drill", drillSummary(lastVerdict(observed.history)));
  }

  private async observe(observed: Observed): Promise<void> {
    const { app } = observed;
    const { ctx } = this;
    await this.loadHistory(app.spec.name).catch((error: unknown) =>
      ctx.log.warn(
        { event: "drills.history_unreadable", app: app.spec.name, reason: errorMessage(error) },
        "drill history not read",
      ),
    );
    const port = app.metricsPort;
    if (!app.litestreamRunning || port === undefined) return;
    const now = ctx.clock.now();
    try {
      const bases = new Map(
        app.spec.databases.map((db) => [
          join(databaseDirOf(app.spec, app.paths), db.path),
          replicaKey(ctx.store.target, app.spec.name, db.path),
        ]),
      );
      observed.lag = observed.tracker.observe(
        await markUnsynced(
          await engineOf(ctx).scrape(
            {
              ...(await readScrapeTarget(app.paths.litestreamConfig, port)),
              log: join(app.paths.logs, "litestream.log"),
            },
            ctx.store,
            bases,
          ),
        ),
        now,
      );
    } catch {
      observed.lag = observed.tracker.stale(now);
    }
    const verdict = observed.stall.observe(observed.lag, now.getTime());
    if (verdict.action === "restart") void restartStalled(ctx, app, verdict);
    const lag = observed.lag;
    app.report("replication", () => {
      // Read when asked: a write still waiting at the last reading has waited that much longer.
      const since = Math.max(0, ctx.clock.now().getTime() - now.getTime()) / 1000;
      return lag.map((l) => ({ database: l.db, lag_s: l.behind ? l.lag_s + since : l.lag_s, behind: l.behind }));
    });
    if (now.getTime() - observed.canaryAt >= CANARY_INTERVAL_MS) {
      observed.canaryAt = now.getTime();
      for (const db of app.spec.databases) {
        // The canary row lets a drill measure the replica's freshness exactly instead of guessing.
        await touchCanary(ctx.run, join(databaseDirOf(app.spec, app.paths), db.path), now).catch((error: unknown) =>
          ctx.log.warn(
            { event: "canary.failed", app: app.spec.name, database: db.path, reason: errorMessage(error) },
            "canary not written",
          ),
        );
      }
    }
  }
}
