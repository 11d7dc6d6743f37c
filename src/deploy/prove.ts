import type { HostContext } from "../host/context.js";
import { releaseProcessEnv } from "../apps/release-env.js";
import { releaseProcesses, serviceProcesses } from "../apps/procfile.js";
import { stopSignalOf } from "../apps/stop-signal.js";
import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";
import { healthHost } from "./plan.js";
import { StepFailure } from "./steps.js";
import { healthCheckTemporarily, isPortFree } from "./temporary-web.js";

export interface ProveResult {
  status?: number;
  ms?: number;
  skipped?: string;
  /** The temporary web process's stop, still under way: await it before returning to the user. */
  stopped: Promise<void>;
}

export async function releaseEnv(spec: AppSpec, ctx: HostContext, releaseDir: string): Promise<Record<string, string>> {
  return releaseProcessEnv(ctx.paths, spec, releaseDir);
}

/** Refuses a taken port: the probe would reach some other server. */
export async function proveTemporarily(spec: AppSpec, ctx: HostContext, releaseDir: string): Promise<ProveResult> {
  const web = serviceProcesses(await releaseProcesses(spec, releaseDir)).web;
  if (web === undefined) return { skipped: "no web process: no health check", stopped: Promise.resolve() };
  if (!(await isPortFree(spec.port))) {
    throw new StepFailure(
      "start",
      `port ${spec.port} is already in use, so the new release cannot be health-checked there`,
      "",
    );
  }
  const result = await healthCheckTemporarily({
    command: web,
    cwd: releaseDir,
    env: await releaseEnv(spec, ctx, releaseDir),
    port: spec.port,
    path: spec.healthcheck.path,
    host: healthHost(spec),
    timeoutMs: parseDuration(spec.healthcheck.timeout) ?? 30_000,
    stopSignal: stopSignalOf(spec, "web", web),
  });
  if (!result.ok) throw new StepFailure("start", `health check failed: ${result.error ?? "unhealthy"}`, result.output);
  return { ...(result.status === undefined ? {} : { status: result.status }), ms: result.ms, stopped: result.stopped };
}
