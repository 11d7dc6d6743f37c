import { JobScheduler } from "../../jobs/scheduler.js";
import { procStartTime, removeRecord, writeRecord } from "../../supervisor/process-records.js";
import type { JobsState } from "../../jobs/state.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { AppUnit } from "../../supervisor/app-unit.js";
import type { AppLoop } from "../../lib/loop.js";

/** Pure: what status shows of an app's jobs. */
export function jobsSummary(state: JobsState) {
  return Object.fromEntries(
    Object.entries(state).map(([name, s]) => [
      name,
      {
        last_run_at: s.last?.started_at ?? null,
        ok: s.last?.ok ?? null,
        exit_code: s.last?.exit_code ?? null,
        duration_ms: s.last?.duration_ms ?? null,
        reason: s.last?.reason ?? null,
        running: s.running_since !== undefined,
        overlaps_skipped: s.overlaps_skipped,
      },
    ]),
  );
}

/** App jobs (jobs: in app.yml) on their cron schedules, as an app loop (lib/loop.ts). */
export async function wireJobs(supervisor: Supervisor): Promise<void> {
  const scheduler = new JobScheduler({
    ctx: supervisor.ctx,
    onChange: (app, state) => supervisor.units.get(app)?.report("jobs", jobsSummary(state)),
    tracker: {
      started: async (app, job, pid, command) => {
        const starttime = await procStartTime(pid);
        if (starttime)
          await writeRecord(supervisor.ctx.paths.pids, { app, type: `job-${job}`, pid, starttime, command });
      },
      ended: (app, job) => removeRecord(supervisor.ctx.paths.pids, app, `job-${job}`),
    },
  });
  // Read before the control socket answers, so attach's own add finds them added.
  for (const unit of supervisor.units.values()) await scheduler.add(unit.spec);
  const loop: AppLoop<AppUnit> = {
    start: () => undefined,
    stop: () => scheduler.stop(),
    add: (unit) => void scheduler.add(unit.spec),
    remove: (name) => void scheduler.remove(name),
  };
  supervisor.attach(loop);
}
