import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import { diskSpace, type DiskSpace } from "../lib/disk.js";
import { readDrills } from "../drills/history.js";
import type { DrillResult } from "../drills/result.js";
import { readDeployHistory, type DeployEvent } from "../deploy/deploy-history.js";
import { readReleaseMeta } from "../deploy/releases.js";
import { caddyPaths } from "../proxy/caddy-process.js";
import { certificateExpiries } from "../proxy/stored-certificates.js";
import type { AppStatus, SupervisorStatus } from "../supervisor/control-protocol.js";
import { readLagHistory, type LagSample } from "./lag-history.js";

/** Drills shown per app: a nightly drill's month and a half. */
const DRILLS_SHOWN = 45;

/** RTO is the slowest database's restore, RPO its worst freshness. */
export interface DrillPoint {
  at: string;
  ok: boolean;
  skipped: boolean;
  duration_ms: number;
  rto_ms: number | null;
  rpo_s: number | null;
  /** "db.sqlite3: row_counts": the first failing check of each failing database. */
  failed_checks: string[];
}

export interface AppHistory {
  commit: string | null;
  commit_message: string | null;
  lag: LagSample[];
  drills: DrillPoint[];
  deploys: DeployEvent[];
}

/** What the page shows and /api/status answers: `status --json` plus histories and certificates. */
export type PageData = SupervisorStatus & {
  disk: DiskSpace | undefined;
  generated_at: string;
  certificates: { domain: string; issuer: string; expires_at: string }[];
  history: Record<string, AppHistory>;
};

function maxOf(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/** Pure: a drill record as a point of the drills chart. */
export function drillPoint(drill: DrillResult): DrillPoint {
  return {
    at: drill.started_at,
    ok: drill.ok,
    skipped: drill.skipped ?? false,
    duration_ms: drill.duration_ms,
    rto_ms: maxOf(drill.databases.map((d) => d.restore_ms)),
    rpo_s: maxOf(drill.databases.map((d) => d.lag_s)),
    failed_checks: drill.databases.flatMap((d) => {
      const failed = d.checks.find((c) => !c.ok);
      return failed ? [`${d.path}: ${failed.name}`] : [];
    }),
  };
}

async function appHistory(ctx: HostContext, app: AppStatus, now: Date): Promise<AppHistory> {
  const paths = appPaths(ctx.paths, app.name);
  const meta = await readReleaseMeta(paths.current).catch(() => undefined);
  return {
    commit: meta?.commit ?? null,
    commit_message: meta?.message ?? null,
    lag: await readLagHistory(paths, now),
    drills: (await readDrills(paths.drills, DRILLS_SHOWN).catch(() => [])).map(drillPoint),
    deploys: (await readDeployHistory(paths)).reverse(),
  };
}

/** Local files and the supervisor's memory only: the page never waits on S3 (or on an app). */
export async function collectPageData(ctx: HostContext, status: SupervisorStatus): Promise<PageData> {
  const now = ctx.clock.now();
  const history: Record<string, AppHistory> = {};
  // An invalid app's unreadable history leaves its charts empty rather than the page down.
  const empty: AppHistory = { commit: null, commit_message: null, lag: [], drills: [], deploys: [] };
  for (const app of status.apps) history[app.name] = await appHistory(ctx, app, now).catch(() => empty);
  const domains = [
    ...status.apps.flatMap((a) => a.domains),
    ...(ctx.host.proxy?.status ? [ctx.host.proxy.status.domain] : []),
  ];
  return {
    ...status,
    disk: await diskSpace(ctx.paths.home),
    generated_at: now.toISOString(),
    certificates: ctx.host.proxy
      ? await certificateExpiries(caddyPaths(ctx.paths).storage, domains).catch(() => [])
      : [],
    history,
  };
}
