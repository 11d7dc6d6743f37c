import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";
import { waitHealthy } from "./health.js";
import { healthHost } from "./plan.js";
import { switchCurrent } from "./switch.js";

/** Rejects with the last answer or error. */
export async function checkHealth(spec: AppSpec, port = spec.port): Promise<void> {
  const result = await waitHealthy({
    port,
    path: spec.healthcheck.path,
    host: healthHost(spec),
    timeoutMs: parseDuration(spec.healthcheck.timeout) ?? 30_000,
  });
  if (!result.ok)
    throw new Error(`health check failed after ${(result.ms / 1000).toFixed(1)}s: ${result.error ?? "unhealthy"}`);
}

/** For POST /apps/<name>/activate and an app's first deploy at boot (wired in cli/wiring). */
export function deployHooks(ctx: HostContext): {
  healthCheck: (spec: AppSpec, port?: number) => Promise<void>;
  switchCurrent: (spec: AppSpec, releaseDir: string) => Promise<void>;
} {
  return {
    healthCheck: checkHealth,
    switchCurrent: (spec, releaseDir) => switchCurrent(appPaths(ctx.paths, spec.name), releaseDir, ctx.clock.now()),
  };
}
