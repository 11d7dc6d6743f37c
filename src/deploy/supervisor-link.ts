import type { HostPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";
import { HostctlError } from "../lib/errors.js";
import { callControl } from "../supervisor/control-client.js";
import type { ActivateRequest, ActivateResult } from "../supervisor/control-protocol.js";

/** The part of the supervisor's GET /status (an AppStatus) a deploy reads. */
export interface AppRuntime {
  name: string;
  state?: string;
  litestream?: { state: string };
  replication?: { database: string; lag_s: number }[];
}

/** Measured behind the proxy; else the seconds the web port had no server. */
export function switchSummary(result: ActivateResult): string {
  return result.switch_ms === undefined
    ? `web port gap ${result.gap_s.toFixed(2)}s`
    : `switch: upstream changed in ${result.switch_ms} ms; old release drained in ${(result.drain_s ?? 0).toFixed(1)} s${result.warning ? `\nwarning: ${result.warning}` : ""}`;
}

/** What deploy needs from a running supervisor; the supervisor can hand in an in-process one. */
export interface SupervisorLink {
  appRuntime(name: string): Promise<AppRuntime | undefined>;
  activate(name: string, request: ActivateRequest): Promise<ActivateResult>;
}

/** The control socket as a SupervisorLink, or undefined when no `hostctl up` listens. */
export async function connectSupervisor(paths: HostPaths): Promise<SupervisorLink | undefined> {
  const status = await callControl(paths, "status", { timeoutMs: 10_000 });
  if (status === undefined) return undefined;
  return {
    appRuntime: async (name) => {
      const answer = await callControl(paths, "status", { timeoutMs: 10_000 });
      return answer?.ok ? answer.body.apps.find((app) => app.name === name) : undefined;
    },
    activate: async (name, request) => {
      const answer = await callControl(paths, "activate", { name, body: request, timeoutMs: 15 * 60_000 });
      if (answer === undefined)
        throw new HostctlError("SUPERVISOR_NOT_RUNNING", `the supervisor went away during the deploy of ${name}`, {
          hint: `run: hostctl up; then hostctl deploy ${name}`,
        });
      if (!answer.ok) return { ok: false, gap_s: 0, error: answer.error };
      return answer.body;
    },
  };
}

const DEFAULT_MAX_LAG_S = 60;

/** Pure: a migration Litestream has not shipped is lost on restore; Litestream must keep up. */
export function litestreamRefusal(
  spec: AppSpec,
  runtime: AppRuntime | undefined,
  hostMaxLag: string,
): string | undefined {
  if (spec.databases.length === 0) return undefined;
  if (runtime === undefined) return `the supervisor does not run ${spec.name}, so nothing replicates its databases`;
  const litestream = runtime.litestream;
  if (!litestream || litestream.state !== "running")
    return `Litestream for ${spec.name} is ${litestream?.state ?? "not running"}`;
  const maxLagS = (parseDuration(spec.drill.max_lag ?? hostMaxLag) ?? DEFAULT_MAX_LAG_S * 1000) / 1000;
  const worst = (runtime.replication ?? []).reduce<{ database: string; lag_s: number } | undefined>(
    (w, r) => (w === undefined || r.lag_s > w.lag_s ? r : w),
    undefined,
  );
  if (worst !== undefined && worst.lag_s > maxLagS)
    return `Litestream for ${spec.name} is ${Math.round(worst.lag_s)}s behind on ${worst.database} (limit ${maxLagS}s)`;
  return undefined;
}
