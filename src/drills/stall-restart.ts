import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { alertTargets } from "./alerts.js";
import { errorMessage } from "../lib/errors.js";
import type { StallVerdict } from "../litestream/stall.js";

/** What a stall restart needs of the app. */
export interface StalledApp {
  spec: AppSpec;
  restartLitestream(): Promise<void>;
}

/** A stalled Litestream: said in the log (error) and to alerts.webhook, then restarted. */
export async function restartStalled(
  ctx: HostContext,
  unit: StalledApp,
  verdict: Extract<StallVerdict, { action: "restart" }>,
): Promise<void> {
  const event = {
    event: "litestream.stalled",
    app: unit.spec.name,
    database: verdict.db,
    lag_s: Math.round(verdict.lag_s),
    attempt: verdict.attempt,
    next_after_s: verdict.next_after_s,
  };
  ctx.log.error(
    event,
    `Litestream for ${unit.spec.name} made no progress for ${Math.round(verdict.lag_s)}s while writes wait: restarting it (attempt ${verdict.attempt}; next not before ${verdict.next_after_s}s)`,
  );
  const webhook = alertTargets(ctx.host, unit.spec).webhook;
  if (webhook) {
    void fetch(webhook, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "hostctl" },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(5000),
    }).catch((error: unknown) =>
      ctx.log.warn(
        { event: "alert.failed", app: unit.spec.name, reason: errorMessage(error) },
        "stall alert not delivered",
      ),
    );
  }
  try {
    await unit.restartLitestream();
    ctx.log.info({ event: "litestream.restarted", app: unit.spec.name }, "Litestream restarted after a stall");
  } catch (error) {
    ctx.log.error(
      { event: "litestream.restart_failed", app: unit.spec.name, reason: errorMessage(error) },
      "could not restart the stalled Litestream",
    );
  }
}
