import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";

/** One finished (or refused) run of an app job. */
export interface JobRun {
  app: string;
  job: string;
  started_at: string;
  duration_ms: number;
  exit_code: number | null;
  signal?: string;
  ok: boolean;
  /** Set when the run did not start (no live release, a database missing). */
  reason?: string;
}

export interface JobState {
  last?: JobRun;
  /** Firings skipped because the previous run was still going. */
  overlaps_skipped: number;
  last_skipped_at?: string;
  running_since?: string;
}

export type JobsState = Record<string, JobState>;

export function jobsStatePath(app: AppPaths): string {
  return join(app.root, "jobs.json");
}

export function jobLogPath(app: AppPaths, job: string): string {
  return join(app.logs, `job-${job}.log`);
}

export async function readJobsState(app: AppPaths): Promise<JobsState> {
  return (await readJsonFile<JobsState>(jobsStatePath(app)).catch(() => undefined)) ?? {};
}

export async function writeJobsState(app: AppPaths, state: JobsState): Promise<void> {
  await writeJsonFile(jobsStatePath(app), state);
}
