import type { HostContext } from "../../apps/context.js";
import type { AppSpec } from "../../config/schema.js";
import { errorMessage } from "../../lib/errors.js";
import { deployApp } from "../../deploy/apply.js";
import type { SupervisorLink } from "../../deploy/supervisor-link.js";
import type { ActivateResult } from "../../supervisor/control-protocol.js";
import { recoverApps } from "../../registry/recover.js";
import { clearRecoveryCommit, readRecoveryState } from "../../registry/recovery-state.js";
import { RegistryMirrorLoop } from "../../registry/mirror-loop.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { SupervisorWiring, UpOptions } from "../commands/up.js";
import { wireDrills } from "./drills.js";
import { DeployPollLoop } from "../../deploy/poll-loop.js";
import { wireJobs } from "./jobs.js";
import { restoreMediaFirst, wireHost } from "./host.js";
import { takeLease } from "../../lease/take.js";
import { watchRecoveredReferences } from "./media-recovery.js";
import { MediaRestoreGate } from "../../media/restore-gate.js";
import { deployHooks } from "../../deploy/hooks.js";
import { listAppNames } from "../../apps/registry.js";
import { refreshPushHooks } from "./push-hooks.js";
import { bootRetryDelay } from "../../supervisor/backoff.js";

/**
 * An app with no release yet is deployed before it starts: the recorded live commit on a recovered host,
 * else its branch. The supervisor activates the release (starts its processes, health-checks, switches
 * `current`), so the web process boots once instead of once for a temporary check and again supervised.
 * `force`: Litestream was started a moment ago; whatever the release phase writes, it ships when it runs.
 */
function firstDeploy(ctx: HostContext) {
  return async (spec: AppSpec, activate: ((releaseDir: string) => Promise<ActivateResult>) | undefined): Promise<void> => {
    const recovery = await readRecoveryState(ctx, spec.name);
    const ref = recovery.recover_commit ?? spec.branch;
    ctx.log.info({ event: "deploy.first", app: spec.name, ref }, "deploying before first start");
    const supervisor: SupervisorLink | null = activate
      ? { appRuntime: () => Promise.resolve(undefined), activate: (_name, request) => activate(request.releaseDir) }
      : null;
    await deployApp(spec, ctx, { ref, supervisor, force: true, command: "hostctl up (first deploy)" });
    if (recovery.recover_commit) await clearRecoveryCommit(ctx, spec.name);
  };
}

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
        ctx.log.info({ event: "registry.app_recovered", app: app.name, commit: app.commit, env: app.env }, "app recovered from the replica's registry");
        if (app.missing_env_keys.length > 0) {
          ctx.log.warn({ event: "registry.env_missing", app: app.name, keys: app.missing_env_keys }, `env keys missing for ${app.name}: set them with hostctl env set (or give HOSTCTL_ENV_KEY_FILE)`);
        }
      }
      return;
    } catch (error) {
      if (hasApps) {
        ctx.log.error({ event: "registry.read_failed", reason: errorMessage(error) }, "could not read the app registry from the replica; starting the apps this host knows");
        return;
      }
      ctx.log.error({ event: "registry.read_failed", reason: errorMessage(error), retry_in_s: delayMs / 1000 }, `this host has no apps and could not read the app registry from ${ctx.store.url}; retrying in ${delayMs / 1000}s`);
      await ctx.clock.sleep(delayMs, supervisor.stopping.signal); // ends early on a stop
      if (supervisor.stopping.signal.aborted) return;
    }
  }
}

async function extend(supervisor: Supervisor, hostId: string, recovered: Set<string>, gate: MediaRestoreGate): Promise<void> {
  const media = wireHost(supervisor, hostId, gate);
  watchRecoveredReferences(supervisor, recovered);
  await wireDrills(supervisor, media);
  supervisor.attach(new DeployPollLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined }));
  await wireJobs(supervisor);
  await refreshPushHooks(supervisor.ctx);
  supervisor.attach(new RegistryMirrorLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined }));
}

/** Connects the supervisor to deploys, drills, the registry (composition root: the supervisor imports none of them). */
export function supervisorWiring(ctx: HostContext, options: UpOptions): SupervisorWiring {
  const hooks = deployHooks(ctx);
  let hostId = "";
  const recovered = new Set<string>(); // apps whose database and media were restored from the replica at boot
  const gate = new MediaRestoreGate();
  return {
    hooks: { healthCheck: hooks.healthCheck, switchCurrent: hooks.switchCurrent },
    firstDeploy: firstDeploy(ctx),
    beforeStart: async (supervisor) => {
      const taken = await takeLease(ctx, { takeover: options.takeover ?? false, wait: options.wait ?? true, signal: supervisor.stopping.signal });
      if (taken === undefined) return; // stopped while waiting for the lease: nothing starts
      hostId = taken;
      await recover(supervisor);
    },
    afterRestore: restoreMediaFirst(ctx, recovered, gate),
    extend: (supervisor) => extend(supervisor, hostId, recovered, gate),
  };
}
