import type { CommandResult, Deps } from "../deps.js";
import { loadHostContext, type HostContext } from "../../host/context.js";
import { createLogger, fdDestination } from "../../lib/log.js";
import { scaledBackoff } from "../../supervisor/backoff.js";
import type { ReleaseHooks } from "../../supervisor/activate.js";
import { warnLowOpenFiles } from "../../supervisor/open-files.js";
import { stopOnSignals } from "../../supervisor/stop-signals.js";
import { acquireSupervisorLock } from "../../supervisor/supervisor-lock.js";
import { BOOT_CONCURRENCY, type AppSteps, type SupervisorOptions } from "../../supervisor/supervisor-options.js";
import { Supervisor } from "../../supervisor/supervisor.js";

export interface UpOptions {
  takeover?: boolean;
  /** false (--no-wait): refuse at once when another host holds the replica lease. */
  wait?: boolean;
}

/** Each method is called once, where `boot`/`shutdown` say (cli/wiring/). */
export interface UpFeatures {
  /** Health check and the switch of `current` (deploy/hooks.ts). */
  readonly releaseHooks: ReleaseHooks;
  /** Per app: an early restore, media, the lease and lineage before Litestream, a first deploy. */
  readonly appSteps: AppSteps;
  /** False when a stop came while waiting for another host's lease: nothing starts. */
  takeLease(supervisor: Supervisor): Promise<boolean>;
  recoverApps(supervisor: Supervisor): Promise<void>;
  beginEarlyWork(supervisor: Supervisor): Promise<void>;
  attachLoops(supervisor: Supervisor): Promise<void>;
  settleEarlyWork(): Promise<void>;
  releaseLease(): Promise<void>;
  closeStatusPage(): Promise<void>;
}

/** JSON logs on stdout (journald); on SIGTERM/SIGINT it stops in the order that protects data. */
export async function up(
  options: UpOptions,
  deps: Deps,
  features: (ctx: HostContext, options: UpOptions) => UpFeatures,
): Promise<CommandResult> {
  const log = createLogger(deps.logLevel ?? "info", fdDestination(1));
  const ctx = await loadHostContext({ ...deps, log });
  const settings = {
    policy: scaledBackoff(Number(deps.env.HOSTCTL_BACKOFF_SCALE ?? "1")),
    graceMs: Number(deps.env.HOSTCTL_STOP_GRACE_MS ?? "10000"),
    bootConcurrency: BOOT_CONCURRENCY,
  };
  const code = await runUp(ctx, settings, features(ctx, options));
  return { text: "", exitCode: code === 0 ? 0 : 1 };
}

/** The whole life of `up`; resolves the exit code (0, or the code a stop was requested with). */
export async function runUp(
  ctx: HostContext,
  settings: Omit<SupervisorOptions, "hooks" | "appSteps">,
  features: UpFeatures,
): Promise<number> {
  // One `up` per home (run/supervisor.json).
  const unlock = await acquireSupervisorLock(ctx.paths);
  warnLowOpenFiles(ctx);
  const supervisor = new Supervisor(ctx, { ...settings, hooks: features.releaseHooks, appSteps: features.appSteps });
  // SIGTERM/SIGINT (or a lost lease race) end `boot` early; `shutdown` then runs in order.
  const ignoreSignals = stopOnSignals(supervisor);
  try {
    await boot(supervisor, features);
    await supervisor.stopped();
    await shutdown(supervisor, features);
  } finally {
    await unlock();
    ignoreSignals();
  }
  ctx.log.info({ event: "supervisor.stopped" }, "supervisor stopped");
  return supervisor.exitCode;
}

/** Nothing writes to the replica or creates a database before the lease and restore allow it. */
async function boot(supervisor: Supervisor, features: UpFeatures): Promise<void> {
  // Processes a crashed predecessor left (run/pids/) end before anything of ours starts.
  await supervisor.endStrays();
  // The lease's confirmation runs on while the steps below only read the replica, and Litestream
  // waits for it. A LiteFS replica host takes no lease.
  if (!(await features.takeLease(supervisor))) return;
  // Apps this host lacks come back from the replica's registry.
  await features.recoverApps(supervisor);
  // Restores of the first apps and builds of their first deploys begin now, beside the steps below.
  await features.beginEarlyWork(supervisor);
  if (supervisor.stopSignal.aborted) return;
  // Every app.yml checked (an invalid one is shown failed), Litestream configs rewritten.
  const apps = await supervisor.loadApps();
  if (supervisor.stopSignal.aborted) return;
  // Caddy first, so releases start behind it on internal ports.
  await supervisor.startFrontDoor();
  // One unit per app, nothing started yet; the apps' control routes.
  supervisor.superviseApps(apps);
  // Lease heartbeat, media shipping, drills, polling, jobs, status page, registry copy.
  await features.attachLoops(supervisor);
  // The control socket (and /metrics) answer once every route is there.
  await supervisor.serveControl();
  // Four apps at a time: restore, lease, lineage, Litestream, first deploy, processes, switch.
  supervisor.bootApps();
}

/** Apps stop writing, Litestream ships their last writes, and only then is the lease released. */
async function shutdown(supervisor: Supervisor, features: UpFeatures): Promise<void> {
  // Loops end first so none starts work on a stopping app.
  await supervisor.stopLoops();
  // Each app: processes drained, then Litestream ships the last writes, then its mount.
  await supervisor.stopApps();
  // Caddy answers 503 until the apps have drained, then stops.
  await supervisor.stopFrontDoor();
  // Restores and first-deploy builds no boot took end (a restore cut short leaves a stray file).
  await features.settleEarlyWork();
  // The last media round (the apps have stopped writing), then the lease is released.
  await features.releaseLease();
  // The status page answered until here.
  await features.closeStatusPage();
  // The control socket last: `hostctl status` answers while stopping.
  await supervisor.closeControl();
}
