import { errorMessage } from "../../lib/errors.js";
import { recoverApps } from "../../registry/recover.js";
import { RegistryMirrorLoop } from "../../registry/mirror-loop.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { UpFeatures, UpOptions } from "../commands/up.js";
import type { ReleaseHooks } from "../../supervisor/activate.js";
import type { AppSteps } from "../../supervisor/supervisor-options.js";
import type { HostContext } from "../../host/context.js";
import { wireDrills } from "./drills.js";
import { DeployPollLoop } from "../../deploy/poll-loop.js";
import { wireJobs } from "./jobs.js";
import { wireStatusPage } from "../../status-page/wire.js";
import { restoreMediaFirst, wireHost } from "./host.js";
import { takeLease, type TakenLease } from "../../lease/take.js";
import { LeaseConfirmation } from "../../lease/confirmation.js";
import { claimLineage } from "../../restore/lineage.js";
import { watchRecoveredReferences } from "./media-recovery.js";
import { MediaRestoreGate } from "../../media/restore-gate.js";
import { deployHooks } from "../../deploy/hooks.js";
import { listAppNames } from "../../apps/registry.js";
import { FirstDeploys } from "./first-deploy.js";
import { EarlyRestores } from "./early-restore.js";
import { refreshPushHooks } from "./push-hooks.js";
import { bootRetryDelay } from "../../supervisor/backoff.js";
import { extendLitefsReplica, isLitefsReplicaHost, candidateLeaseNode, withRejoinHint } from "./litefs.js";

// A host without apps retries an unreadable registry (the boot-retry policy) rather than come up
// empty; a host with apps runs them and reports the failure.
async function recover(supervisor: Supervisor): Promise<void> {
  const { ctx } = supervisor;
  const hasApps = (await listAppNames(ctx.paths)).length > 0;
  for (let failures = 1; ; failures++) {
    const delayMs = bootRetryDelay(failures, supervisor.options.policy);
    try {
      const recovered = await recoverApps(ctx);
      for (const app of recovered) {
        ctx.log.info(
          { event: "registry.app_recovered", app: app.name, commit: app.commit, env: app.env },
          "app recovered from the replica's registry",
        );
        if (app.missing_env_keys.length > 0) {
          ctx.log.warn(
            { event: "registry.env_missing", app: app.name, keys: app.missing_env_keys },
            `env keys missing for ${app.name}: set them with hostctl env set (or give HOSTCTL_ENV_KEY_FILE)`,
          );
        }
      }
      return;
    } catch (error) {
      if (hasApps) {
        ctx.log.error(
          { event: "registry.read_failed", reason: errorMessage(error) },
          "could not read the app registry from the replica; starting the apps this host knows",
        );
        return;
      }
      ctx.log.error(
        { event: "registry.read_failed", reason: errorMessage(error), retry_in_s: delayMs / 1000 },
        `this host has no apps and could not read the app registry from ${ctx.store.url}; retrying in ${delayMs / 1000}s`,
      );
      await ctx.clock.sleep(delayMs, supervisor.stopSignal); // ends early on a stop
      if (supervisor.stopSignal.aborted) return;
    }
  }
}

// The composition root, so the supervisor imports none of the features.
export class HostFeatures implements UpFeatures {
  readonly releaseHooks: ReleaseHooks;
  readonly appSteps: AppSteps;

  constructor(
    private readonly ctx: HostContext,
    private readonly options: UpOptions,
  ) {
    this.firstDeploys = new FirstDeploys(ctx);
    this.earlyRestores = new EarlyRestores(ctx);
    this.mediaFirst = restoreMediaFirst(ctx, this.recovered, this.gate);
    const { healthCheck, switchCurrent } = deployHooks(ctx);
    this.releaseHooks = { healthCheck, switchCurrent };
    this.appSteps = {
      firstDeploy: (spec, activate) => this.firstDeploys.run(spec, activate),
      earlyRestore: (spec) => this.earlyRestores.take(spec.name),
      beforeRestore: (spec) => this.mediaFirst.begin(spec),
      afterRestore: async (spec, databases) => {
        await this.mediaFirst.after(spec, databases);
        // Media first, as before any step of a first deploy that may read them.
        this.firstDeploys.advance(spec.name);
      },
      beforeReplicate: async (spec, databases) => {
        await this.taken.confirmation.required();
        // A LiteFS replica host never replicates; a primary's copies are checked as usual.
        if (!isLitefsReplicaHost(ctx)) await claimLineage(ctx, spec, databases, this.taken.hostId);
      },
    };
  }

  // Returns once written: the confirming pause overlaps the registry read and restores (read-only);
  // Litestream waits for it (beforeReplicate).
  async takeLease(supervisor: Supervisor): Promise<boolean> {
    const { ctx } = this;
    if (isLitefsReplicaHost(ctx)) return true; // the primary holds it
    const litefs = candidateLeaseNode(ctx);
    const lease = await takeLease(ctx, {
      takeover: this.options.takeover ?? false,
      wait: this.options.wait ?? true,
      signal: supervisor.stopSignal,
      explain: (error) => withRejoinHint(ctx, error),
      ...(litefs === undefined ? {} : { litefs }),
    });
    if (lease === undefined) return false;
    this.taken = lease;
    return true;
  }

  recoverApps(supervisor: Supervisor): Promise<void> {
    return recover(supervisor);
  }

  /** Restores begin now, with fetch and build of each app without a release beside them. */
  async beginEarlyWork(supervisor: Supervisor): Promise<void> {
    if (isLitefsReplicaHost(this.ctx) || supervisor.stopSignal.aborted) return;
    await this.earlyRestores.beginAll();
    await this.firstDeploys.beginAll();
  }

  async attachLoops(supervisor: Supervisor): Promise<void> {
    const { ctx, taken } = this;
    if (isLitefsReplicaHost(ctx)) {
      this.closePage = await extendLitefsReplica(supervisor);
      return;
    }
    const host = wireHost(supervisor, taken, this.gate);
    this.releaseHeld = host.release;
    watchRecoveredReferences(supervisor, this.recovered);
    await wireDrills(supervisor, host.media);
    supervisor.attach(new DeployPollLoop(ctx, { fenced: () => supervisor.fenced !== undefined }));
    await wireJobs(supervisor);
    this.closePage = await wireStatusPage(supervisor);
    await refreshPushHooks(ctx);
    // Until the lease is confirmed another host may own the replica target, and its registry.
    supervisor.attach(
      new RegistryMirrorLoop(ctx, {
        fenced: () => supervisor.fenced !== undefined || taken.confirmation.state !== "confirmed",
      }),
    );
  }

  async settleEarlyWork(): Promise<void> {
    await this.mediaFirst.settle();
    await this.earlyRestores.settle();
    await this.firstDeploys.abandonAll();
  }

  /** Nothing to release where no lease keeper ran (a LiteFS replica host, or an early stop). */
  releaseLease(): Promise<void> {
    return this.releaseHeld();
  }

  closeStatusPage(): Promise<void> {
    return this.closePage();
  }

  // Private

  private taken: TakenLease = { hostId: "", confirmation: LeaseConfirmation.none() };
  /** Apps whose database and media were restored from the replica at boot. */
  private readonly recovered = new Set<string>();
  private readonly gate = new MediaRestoreGate();
  private readonly firstDeploys: FirstDeploys;
  private readonly earlyRestores: EarlyRestores;
  private readonly mediaFirst: ReturnType<typeof restoreMediaFirst>;
  private releaseHeld: () => Promise<void> = () => Promise.resolve();
  private closePage: () => Promise<void> = () => Promise.resolve();
}

/** `hostctl up`'s features, loaded lazily by cli/program.ts. */
export function hostFeatures(ctx: HostContext, options: UpOptions): UpFeatures {
  return new HostFeatures(ctx, options);
}
