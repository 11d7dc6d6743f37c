import { appendFile } from "node:fs/promises";
import { nodeCron, type CronSchedule, type CronTask } from "../lib/cron.js";
import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { alertTargets, deliver } from "../drills/alerts.js";
import { errorMessage } from "../lib/errors.js";
import { runJob, type JobSpec, type JobTracker } from "./run-job.js";
import { jobLogPath, readJobsState, writeJobsState, type JobRun, type JobsState } from "./state.js";

export interface JobSchedulerOptions {
  ctx: HostContext;
  /** Called whenever an app's job state changed (feeds status). */
  onChange: (app: string, state: JobsState) => void;
  tracker?: JobTracker;
  /** Replaces node-cron (tests fire a schedule by calling the job). */
  cron?: CronSchedule;
}

// A job never runs twice at once: a firing during a run is skipped and counted.
// A failed run alerts like a failed drill, and so does the first success after it.
export class JobScheduler {
  private readonly tasks = new Map<string, CronTask[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly states = new Map<string, JobsState>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: JobSchedulerOptions) {}

  async add(spec: AppSpec): Promise<void> {
    if (this.tasks.has(spec.name) || spec.jobs.length === 0) return;
    const state = await readJobsState(appPaths(this.options.ctx.paths, spec.name));
    // A run of a previous supervisor is over.
    for (const job of Object.values(state)) delete job.running_since;
    this.states.set(spec.name, state);
    this.options.onChange(spec.name, state);
    const cron = this.options.cron ?? nodeCron;
    this.tasks.set(
      spec.name,
      spec.jobs.map((job) => cron(job.schedule, () => void this.fire(spec, job), `job:${spec.name}:${job.name}`)),
    );
  }

  async remove(name: string): Promise<void> {
    const tasks = this.tasks.get(name) ?? [];
    this.tasks.delete(name);
    await Promise.all(tasks.map((task) => task.stop()));
  }

  /** Stops firing, ends running jobs (SIGTERM, then SIGKILL) and waits for them. */
  async stop(): Promise<void> {
    for (const name of [...this.tasks.keys()]) await this.remove(name);
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private async save(app: string): Promise<void> {
    const state = this.states.get(app) ?? {};
    this.options.onChange(app, state);
    await writeJobsState(appPaths(this.options.ctx.paths, app), state).catch((error: unknown) =>
      this.options.ctx.log.warn(
        { event: "job.state_unwritten", app, reason: errorMessage(error) },
        "job state not written",
      ),
    );
  }

  private entry(app: string, job: string) {
    const state = this.states.get(app) ?? {};
    this.states.set(app, state);
    return (state[job] ??= { overlaps_skipped: 0 });
  }

  async fire(spec: AppSpec, job: JobSpec): Promise<void> {
    const { ctx } = this.options;
    const key = `${spec.name}/${job.name}`;
    const entry = this.entry(spec.name, job.name);
    if (this.running.has(key) || this.stopping.signal.aborted) {
      entry.overlaps_skipped += 1;
      entry.last_skipped_at = ctx.clock.now().toISOString();
      ctx.log.warn(
        { event: "job.skipped", app: spec.name, job: job.name, running_since: entry.running_since },
        `job ${job.name} of ${spec.name} skipped: the previous run is still going`,
      );
      await appendFile(
        jobLogPath(appPaths(ctx.paths, spec.name), job.name),
        `${entry.last_skipped_at} [hostctl] skipped: the previous run (started ${entry.running_since ?? "?"}) is still going\n`,
      ).catch(() => undefined);
      await this.save(spec.name);
      return;
    }
    const run = (async () => {
      entry.running_since = ctx.clock.now().toISOString();
      await this.save(spec.name);
      const previous = entry.last;
      const result = await runJob(spec, job, ctx, this.stopping.signal, this.options.tracker);
      delete entry.running_since;
      entry.last = result;
      await this.save(spec.name);
      if (result.ok) ctx.log.info({ event: "job.finished", ...result }, `job ${job.name} of ${spec.name} finished`);
      else
        ctx.log.error(
          { event: "job.failed", ...result },
          `job ${job.name} of ${spec.name} failed: ${result.reason ?? `exit ${String(result.exit_code)}`}`,
        );
      if (!result.ok || (previous !== undefined && !previous.ok)) await this.alert(spec, result);
    })().finally(() => this.running.delete(key));
    this.running.set(key, run);
    await run;
  }

  private async alert(spec: AppSpec, result: JobRun): Promise<void> {
    const { ctx } = this.options;
    const { webhook } = alertTargets(ctx.host, spec);
    if (!webhook) return;
    const outcome = await deliver(
      "webhook",
      webhook,
      {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "hostctl" },
        body: JSON.stringify({ type: "job", ...result }),
      },
      { log: ctx.log, clock: ctx.clock },
    );
    if (outcome.ok)
      ctx.log.info({ event: "job.alert_sent", app: spec.name, job: result.job, ...outcome }, "job alert delivered");
    else
      ctx.log.warn(
        { event: "job.alert_failed", app: spec.name, job: result.job, ...outcome },
        "job alert not delivered",
      );
  }
}
