import type { CommandResult, Deps } from "../deps.js";
import { table } from "../output.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { readJobsState } from "../../jobs/state.js";

function ago(iso: string | undefined, now: Date): string {
  if (!iso) return "never";
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Each job of app.yml with its schedule and last run (apps/<app>/jobs.json). */
export async function jobs(name: string, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const state = await readJobsState(appPaths(deps.paths, name));
  const now = deps.clock.now();
  const data = spec.jobs.map((job) => ({ ...job, ...(state[job.name] ?? { overlaps_skipped: 0 }) }));
  if (data.length === 0) return { text: `${name} has no jobs (add them under jobs: in apps/${name}/app.yml)`, data };
  const rows = [
    ["JOB", "SCHEDULE", "LAST RUN", "RESULT", "DURATION", "SKIPPED", "COMMAND"],
    ...data.map((j) => [
      j.name,
      j.schedule,
      j.running_since ? `running since ${ago(j.running_since, now)}` : ago(j.last?.started_at, now),
      j.last
        ? j.last.ok
          ? "ok"
          : j.last.reason
            ? `not run: ${j.last.reason}`
            : `failed (${j.last.signal ?? `exit ${String(j.last.exit_code)}`})`
        : "-",
      j.last ? `${(j.last.duration_ms / 1000).toFixed(1)}s` : "-",
      String(j.overlaps_skipped),
      j.command,
    ]),
  ];
  return { text: table(rows), data };
}
