import type { CommandResult, Deps } from "../deps.js";
import { table } from "../output.js";
import { loadHostContext } from "../../host/context.js";
import { loadApps, requireApp } from "../../apps/registry.js";
import { recordDrill } from "../../drills/record.js";
import type { DrillResult } from "../../drills/result.js";
import { runDrill } from "../../drills/run.js";

export interface DrillOptions {
  live?: boolean;
}

/** Pure: one line per check, grouped by database, under a verdict line per app. */
export function formatDrill(result: DrillResult): string {
  const verdict = result.skipped ? "SKIPPED" : result.ok ? "ok" : "FAILED";
  const lines = [
    `${result.app}: ${verdict} in ${(result.duration_ms / 1000).toFixed(1)}s${result.live ? "" : " (no live copy)"}`,
  ];
  const rows = result.databases.flatMap((db) =>
    db.checks.map((c) => [`  ${db.path}`, c.name, c.ok ? "ok" : "FAIL", c.detail]),
  );
  if (rows.length > 0) lines.push(table(rows));
  for (const db of result.databases) {
    if (db.restore_ms !== null)
      lines.push(
        // Litestream 0.5 names no generation (nor the TXID it restored): nothing to print then.
        `  ${db.path}: RTO ${db.restore_ms} ms, RPO ${db.lag_s === null ? "unknown" : `${db.lag_s}s`}${db.generation ? `, generation ${db.generation}` : ""}`,
      );
  }
  if (!result.ok && result.reason) lines.push(`  reason: ${result.reason}`);
  return lines.join("\n");
}

/** One app, or every app with databases one after another; each is recorded and alerted. */
export async function drill(name: string | undefined, options: DrillOptions, deps: Deps): Promise<CommandResult> {
  const ctx = await loadHostContext(deps);
  try {
    const specs =
      name === undefined
        ? (await loadApps(deps.paths)).filter((a) => a.databases.length > 0)
        : [await requireApp(deps.paths, name)];
    const results: DrillResult[] = [];
    for (const spec of specs) {
      deps.progress(
        `drilling ${spec.name} (${spec.databases.length} database${spec.databases.length === 1 ? "" : "s"})…`,
      );
      const result = await runDrill(spec, ctx, { noLive: options.live === false, trigger: "cli" });
      results.push(result);
      const alerts = await recordDrill(spec, ctx, result);
      for (const a of alerts.filter((x) => !x.ok))
        deps.progress(`warning: ${a.kind} alert to ${a.target} failed after ${a.attempts} attempts: ${a.error ?? ""}`);
    }
    const ok = results.every((r) => r.ok);
    const text = results.length === 0 ? "no apps with databases to drill" : results.map(formatDrill).join("\n\n");
    const data = name === undefined ? { ok, drills: results } : results[0];
    return { text, data, exitCode: ok ? 0 : 1 };
  } finally {
    ctx.store.close();
  }
}
