import { nodeCron, type CronSchedule, type CronTask } from "../lib/cron.js";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { errorMessage } from "../lib/errors.js";
import { recordDrill } from "./record.js";
import type { DrillResult } from "./result.js";
import { runDrill } from "./run.js";

export interface DrillSchedulerOptions {
  apps: readonly AppSpec[];
  ctx: HostContext;
  /** After each drill (or skip) is recorded and alerted: feed status and /metrics here. */
  onResult?: (result: DrillResult) => void | Promise<void>;
  /** Replaces runDrill (tests); defaults to the real drill. */
  drill?: (spec: AppSpec, ctx: HostContext) => Promise<DrillResult>;
  /** Replaces node-cron (tests fire a schedule by calling the job). */
  cron?: CronSchedule;
}

/** At most drills.concurrency at once, the rest in order; a firing while the app's drill is queued
 * or running is recorded as skipped. */
export class DrillScheduler {
  private readonly tasks = new Map<string, CronTask>();
  private readonly busy = new Set<string>();
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private active = 0;
  private stopped = false;

  constructor(private readonly options: DrillSchedulerOptions) {}

  start(): void {
    this.stopped = false;
    for (const spec of this.options.apps) this.add(spec);
  }

  /** Schedules one more app (an app added while `up` runs). */
  add(spec: AppSpec): void {
    if (spec.databases.length === 0 || this.tasks.has(spec.name)) return;
    const expression = spec.drill.schedule ?? this.options.ctx.host.drills.schedule;
    const cron = this.options.cron ?? nodeCron;
    this.tasks.set(
      spec.name,
      cron(expression, () => this.fire(spec), `drill:${spec.name}`),
    );
  }

  /** Stops scheduling an app (removed while `up` runs); a drill of it already running finishes. */
  async remove(name: string): Promise<void> {
    const task = this.tasks.get(name);
    this.tasks.delete(name);
    if (task) await task.stop();
  }

  /** Stops firing and waits for drills already running (queued ones are dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    const tasks = [...this.tasks.values()];
    this.tasks.clear();
    await Promise.all(tasks.map((task) => task.stop()));
    for (const release of this.waiting.splice(0)) release();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Names of apps whose drill is queued or running. */
  running(): string[] {
    return [...this.busy].sort();
  }

  /** Runs one app's drill now through the same queue and overlap rule as the schedule. */
  trigger(spec: AppSpec): Promise<void> {
    this.fire(spec);
    return Promise.allSettled([...this.inFlight]).then(() => undefined);
  }

  private fire(spec: AppSpec): void {
    if (this.stopped) return;
    const job = this.busy.has(spec.name) ? this.skip(spec) : this.runQueued(spec);
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  private async runQueued(spec: AppSpec): Promise<void> {
    this.busy.add(spec.name);
    try {
      await this.acquire();
      try {
        if (this.stopped) return;
        const drill = this.options.drill ?? ((s, c) => runDrill(s, c, { trigger: "schedule" }));
        await this.finish(spec, await drill(spec, this.options.ctx));
      } finally {
        this.release();
      }
    } catch (error) {
      this.options.ctx.log.error(
        { event: "drill.crashed", app: spec.name, error: errorMessage(error) },
        "scheduled drill crashed",
      );
    } finally {
      this.busy.delete(spec.name);
    }
  }

  private async skip(spec: AppSpec): Promise<void> {
    const now = this.options.ctx.clock.now();
    const result: DrillResult = {
      ok: false,
      skipped: true,
      app: spec.name,
      started_at: now.toISOString(),
      duration_ms: 0,
      reason: "skipped: the previous drill of this app is still running",
      trigger: "schedule",
      live: true,
      versions: null,
      databases: [],
    };
    try {
      await this.finish(spec, result);
    } catch (error) {
      this.options.ctx.log.error(
        { event: "drill.crashed", app: spec.name, error: errorMessage(error) },
        "recording a skipped drill failed",
      );
    }
  }

  private async finish(spec: AppSpec, result: DrillResult): Promise<void> {
    await recordDrill(spec, this.options.ctx, result);
    await this.options.onResult?.(result);
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.ctx.host.drills.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
