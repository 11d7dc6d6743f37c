import type { HostContext } from "../../host/context.js";
import { errorMessage } from "../../lib/errors.js";
import { recoverApps } from "../../registry/recover.js";
import { RegistryMirrorLoop } from "../../registry/mirror-loop.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { SupervisorWiring, UpOptions } from "../commands/up.js";
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

/**
 * A host without apps reads the registry before anything starts; if the replica cannot be read it retries
 * (the boot-retry policy, like an unreachable replica at boot) rather than come up empty. A host that has
 * apps runs them and says the registry could not be read.
 */
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
      await ctx.clock.sleep(delayMs, supervisor.stopping.signal); // ends early on a stop
      if (supervisor.stopping.signal.aborted) return;
    }
  }
}

async function extend(supervisor: Supervisor, taken: TakenLease, recovered: Set<string>, gate: MediaRestoreGate): Promise<void> {
  const media = wireHost(supervisor, taken, gate);
  watchRecoveredReferences(supervisor, recovered);
  await wireDrills(supervisor, media);
  supervisor.attach(new DeployPollLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined }));
  await wireJobs(supervisor);
  await wireStatusPage(supervisor);
  await refreshPushHooks(supervisor.ctx);
  // Until the lease is confirmed another host may own the replica target, and its registry.
  supervisor.attach(
    new RegistryMirrorLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined || taken.confirmation.state !== "confirmed" }),
  );
}

/** Connects the supervisor to deploys, drills, the registry (composition root: the supervisor imports none of them). */
export function supervisorWiring(ctx: HostContext, options: UpOptions): SupervisorWiring {
  const hooks = deployHooks(ctx);
  let taken: TakenLease = { hostId: "", confirmation: LeaseConfirmation.none() };
  const recovered = new Set<string>(); // apps whose database and media were restored from the replica at boot
  const gate = new MediaRestoreGate();
  const firstDeploys = new FirstDeploys(ctx);
  const earlyRestores = new EarlyRestores(ctx);
  const mediaFirst = restoreMediaFirst(ctx, recovered, gate);
  return {
    hooks: { healthCheck: hooks.healthCheck, switchCurrent: hooks.switchCurrent },
    firstDeploy: (spec, activate) => firstDeploys.run(spec, activate),
    beforeStart: async (supervisor) => {
      supervisor.afterStop(() => mediaFirst.settle());
      if (isLitefsReplicaHost(ctx)) return recover(supervisor);
      // Returns once the lease is written: its confirming pause runs on while the registry is read and the
      // databases restored (both only read the replica); Litestream waits for it (beforeReplicate).
      const litefs = candidateLeaseNode(ctx);
      const lease = await takeLease(ctx, {
        takeover: options.takeover ?? false,
        wait: options.wait ?? true,
        signal: supervisor.stopping.signal,
        explain: (error) => withRejoinHint(ctx, error),
        ...(litefs === undefined ? {} : { litefs }),
      });
      if (lease === undefined) return; // stopped while waiting for the lease: nothing starts
      taken = lease;
      await recover(supervisor);
      if (!supervisor.stopping.signal.aborted) {
        // The databases' restore begins now, while the supervisor comes up; fetch, checkout and build of each
        // app without a release run beside it.
        await earlyRestores.beginAll();
        await firstDeploys.beginAll();
      }
      supervisor.afterStop(() => earlyRestores.settle());
      supervisor.afterStop(() => firstDeploys.abandonAll());
    },
    earlyRestore: (spec) => earlyRestores.take(spec.name),
    beforeRestore: (spec) => mediaFirst.begin(spec),
    afterRestore: async (spec, databases) => {
      await mediaFirst.after(spec, databases);
      // Media first, as before any step of a first deploy that may read them.
      firstDeploys.advance(spec.name);
    },
    beforeReplicate: async (spec, databases) => {
      await taken.confirmation.required();
      // A LiteFS replica host never replicates; the primary's copies are checked like a single host's.
      if (!isLitefsReplicaHost(ctx)) await claimLineage(ctx, spec, databases, taken.hostId);
    },
    extend: (supervisor) => (isLitefsReplicaHost(ctx) ? extendLitefsReplica(supervisor) : extend(supervisor, taken, recovered, gate)),
  };
}
