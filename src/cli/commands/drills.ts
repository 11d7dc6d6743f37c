import type { CommandResult, Deps } from "../deps.js";
import { ago, table } from "../output.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { readDrills } from "../../drills/history.js";
import type { DrillResult } from "../../drills/result.js";
import { usageError } from "../../lib/errors.js";

export interface DrillsOptions {
  last?: string;
}

function verdict(d: DrillResult): string {
  return d.skipped ? "skipped" : d.ok ? "ok" : "FAILED";
}

function lag(d: DrillResult): string {
  const lags = d.databases.map((db) => db.lag_s).filter((l): l is number => l !== null);
  return lags.length === 0 ? "-" : `${Math.max(...lags)}s`;
}

function rto(d: DrillResult): string {
  const ms = d.databases.map((db) => db.restore_ms).filter((l): l is number => l !== null);
  return ms.length === 0 ? "-" : `${ms.reduce((a, b) => a + b, 0)} ms`;
}

/** `hostctl drills NAME [--last N]`: the app's drill history, newest last. */
export async function drillsHistory(name: string, options: DrillsOptions, deps: Deps): Promise<CommandResult> {
  const last = options.last === undefined ? 10 : Number(options.last);
  if (!Number.isInteger(last) || last < 1)
    throw usageError(`argument --last: expected a positive integer, got ${JSON.stringify(options.last)}`);
  await requireApp(deps.paths, name);
  const drills = await readDrills(appPaths(deps.paths, name).drills, last);
  const now = deps.clock.now();
  const text =
    drills.length === 0
      ? `no drills recorded for ${name} yet; run: hostctl drill ${name}`
      : table([
          ["STARTED", "AGE", "VERDICT", "TRIGGER", "DURATION", "RTO", "RPO", "REASON"],
          ...drills.map((d) => [
            d.started_at,
            ago(d.started_at, now),
            verdict(d),
            d.trigger,
            `${(d.duration_ms / 1000).toFixed(1)}s`,
            rto(d),
            lag(d),
            d.reason ?? "",
          ]),
        ]);
  return { text, data: { app: name, drills } };
}
