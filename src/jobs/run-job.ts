import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { HostContext } from "../host/context.js";
import { liveReleaseDir, requireDatabases } from "../apps/run-preconditions.js";
import { releaseProcessEnv } from "../apps/release-env.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { errorMessage } from "../lib/errors.js";
import { killGroup } from "../lib/process-group.js";
import { spawnLongRunning } from "../lib/spawn.js";
import { jobLogPath, type JobRun } from "./state.js";

export type JobSpec = AppSpec["jobs"][number];

const STOP_GRACE_MS = 10_000;

/** One run of a job in the live release, logged to logs/job-NAME.log; `signal` ends its group. */
/** Told of a job's process so the next supervisor can end it if this one dies (run/pids). */
export interface JobTracker {
  started: (app: string, job: string, pid: number, command: string) => Promise<void>;
  ended: (app: string, job: string) => Promise<void>;
}

export async function runJob(
  spec: AppSpec,
  job: JobSpec,
  ctx: Pick<HostContext, "paths" | "clock">,
  signal?: AbortSignal,
  tracker?: JobTracker,
): Promise<JobRun> {
  const started = ctx.clock.now();
  const base = { app: spec.name, job: job.name, started_at: started.toISOString() };
  const logPath = jobLogPath(appPaths(ctx.paths, spec.name), job.name);
  await mkdir(dirname(logPath), { recursive: true });
  const out = createWriteStream(logPath, { flags: "a", mode: 0o640 });
  const line = (text: string) => out.write(`${ctx.clock.now().toISOString()} [hostctl] ${text}\n`);
  try {
    let releaseDir: string;
    let env: Record<string, string>;
    try {
      releaseDir = await liveReleaseDir(ctx.paths, spec);
      await requireDatabases(ctx.paths, spec, `job ${job.name}`);
      env = await releaseProcessEnv(ctx.paths, spec, releaseDir);
    } catch (error) {
      const reason = errorMessage(error);
      line(`not started: ${reason}`);
      return { ...base, duration_ms: 0, exit_code: null, ok: false, reason };
    }
    line(`start: ${job.command}`);
    // Not exec'd like services: a job may be a compound command, so stop ends the process group.
    const child = spawnLongRunning("/bin/sh", ["-c", job.command], { cwd: releaseDir, env });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    if (child.pid !== undefined)
      await tracker?.started(spec.name, job.name, child.pid, job.command).catch(() => undefined);
    const abort = () => void (child.pid === undefined ? undefined : killGroup(child.pid, STOP_GRACE_MS));
    signal?.addEventListener("abort", abort, { once: true });
    const result = await child;
    signal?.removeEventListener("abort", abort);
    await tracker?.ended(spec.name, job.name).catch(() => undefined);
    const duration = ctx.clock.now().getTime() - started.getTime();
    const exitCode = result.exitCode ?? null;
    const ok = exitCode === 0;
    line(
      `end: ${result.signal ? `killed by ${result.signal}` : `exit ${String(exitCode)}`} after ${(duration / 1000).toFixed(1)}s`,
    );
    return {
      ...base,
      duration_ms: duration,
      exit_code: exitCode,
      ...(result.signal ? { signal: result.signal } : {}),
      ok,
    };
  } finally {
    await new Promise((resolve) => out.end(resolve));
  }
}
