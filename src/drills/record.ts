import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { alertTargets, sendAlerts, type AlertOutcome } from "./alerts.js";
import { appendDrill, lastVerdict, readDrills } from "./history.js";
import type { DrillResult } from "./result.js";

/** Append to drills.jsonl, then alert; alert failures are only logged. */
export async function recordDrill(
  spec: AppSpec,
  ctx: HostContext,
  result: DrillResult,
  fetchImpl?: typeof fetch,
): Promise<AlertOutcome[]> {
  const file = appPaths(ctx.paths, spec.name).drills;
  const previous = lastVerdict(await readDrills(file, 50));
  await appendDrill(file, result);
  const event = result.skipped ? "drill.skipped" : result.ok ? "drill.passed" : "drill.failed";
  const log = result.ok || result.skipped ? ctx.log.info.bind(ctx.log) : ctx.log.warn.bind(ctx.log);
  log(
    { event, app: spec.name, duration_ms: result.duration_ms, reason: result.reason },
    `drill ${event.split(".")[1] ?? ""}`,
  );
  return sendAlerts(result, previous, alertTargets(ctx.host, spec), {
    log: ctx.log,
    clock: ctx.clock,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
