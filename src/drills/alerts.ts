import type { AppSpec, HostConfig } from "../config/schema.js";
import type { Clock } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import type { Logger } from "../lib/log.js";
import type { DrillResult } from "./result.js";

export interface AlertTargets {
  webhook?: string;
  ping_url?: string;
}

export interface AlertOutcome {
  kind: "webhook" | "ping";
  /** Origin only: ping and webhook URLs usually carry a secret token in their path. */
  target: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface AlertDeps {
  log: Logger;
  clock: Pick<Clock, "now" | "sleep">;
  fetch?: typeof fetch;
}

export const ALERT_ATTEMPTS = 4;
const ALERT_TIMEOUT_MS = 5000;
const BACKOFF_MS = [500, 1500, 4000];

/** Pure: the app's alert targets, each key overriding the host's. */
export function alertTargets(host: HostConfig, spec: AppSpec): AlertTargets {
  const webhook = spec.alerts?.webhook ?? host.alerts.webhook;
  const ping = spec.alerts?.ping_url ?? host.alerts.ping_url;
  return { ...(webhook ? { webhook } : {}), ...(ping ? { ping_url: ping } : {}) };
}

/** Pure: the webhook fires on a failure and on the first success after a failure (recovery). */
export function shouldPostWebhook(result: DrillResult, previous: DrillResult | undefined): boolean {
  if (result.skipped) return false;
  return !result.ok || (previous !== undefined && !previous.ok);
}

/** Pure: healthchecks.io convention: GET the URL on success, URL/fail on failure. */
export function pingUrl(base: string, ok: boolean): string {
  return ok ? base : `${base.replace(/\/+$/, "")}/fail`;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid url)";
  }
}

function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** One request with bounded retries and backoff; never throws. */
export async function deliver(
  kind: AlertOutcome["kind"],
  url: string,
  init: RequestInit,
  deps: AlertDeps,
): Promise<AlertOutcome> {
  const doFetch = deps.fetch ?? fetch;
  let error = "";
  for (let attempt = 1; attempt <= ALERT_ATTEMPTS; attempt++) {
    try {
      const response = await doFetch(url, { ...init, signal: AbortSignal.timeout(ALERT_TIMEOUT_MS) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { kind, target: origin(url), ok: true, attempts: attempt };
      error = `HTTP ${response.status}`;
      if (!retryable(response.status)) return { kind, target: origin(url), ok: false, attempts: attempt, error };
    } catch (cause) {
      error = errorMessage(cause);
    }
    if (attempt < ALERT_ATTEMPTS) await deps.clock.sleep(BACKOFF_MS[attempt - 1] ?? 4000);
  }
  return { kind, target: origin(url), ok: false, attempts: ALERT_ATTEMPTS, error };
}

/** A failing alert is logged and returned, never thrown: it must not fail the drill. */
export async function sendAlerts(
  result: DrillResult,
  previous: DrillResult | undefined,
  targets: AlertTargets,
  deps: AlertDeps,
): Promise<AlertOutcome[]> {
  if (result.skipped) return [];
  const jobs: Promise<AlertOutcome>[] = [];
  if (targets.webhook && shouldPostWebhook(result, previous)) {
    jobs.push(
      deliver(
        "webhook",
        targets.webhook,
        {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "hostctl" },
          body: JSON.stringify(result),
        },
        deps,
      ),
    );
  }
  if (targets.ping_url)
    jobs.push(
      deliver(
        "ping",
        pingUrl(targets.ping_url, result.ok),
        { method: "GET", headers: { "user-agent": "hostctl" } },
        deps,
      ),
    );
  const outcomes = await Promise.all(jobs);
  for (const outcome of outcomes) {
    if (outcome.ok) deps.log.info({ event: "drill.alert_sent", app: result.app, ...outcome }, "alert delivered");
    else deps.log.warn({ event: "drill.alert_failed", app: result.app, ...outcome }, "alert not delivered");
  }
  return outcomes;
}
