import type { HostContext } from "../../host/context.js";
import { scanApps } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import type { AppSpec } from "../../config/schema.js";
import { beginDeploy, deployApp, loggedProgress, type BegunDeploy } from "../../deploy/apply.js";
import type { DeployOptions } from "../../deploy/deploy-work.js";
import type { SupervisorLink } from "../../deploy/supervisor-link.js";
import { errorMessage } from "../../lib/errors.js";
import { pathExists } from "../../lib/fs.js";
import { clearRecoveryCommit, readRecoveryState } from "../../registry/recovery-state.js";
import type { ActivateResult } from "../../supervisor/control-protocol.js";
import { BOOT_CONCURRENCY } from "../../supervisor/supervisor-options.js";

/** As many first deploys begin early as apps boot at once. */
const EARLY_LIMIT = BOOT_CONCURRENCY;

// The supervisor activates the release, so the web boots once rather than for a check and again.
// Fetch and build begin before apps boot; the release phase still waits for Litestream.
export class FirstDeploys {
  private readonly begun = new Map<string, { ref: string; deploy: BegunDeploy }>();

  constructor(private readonly ctx: HostContext) {}

  /** Up to EARLY_LIMIT apps without a release. Never throws. */
  async beginAll(): Promise<void> {
    const { ctx } = this;
    const apps = (await scanApps(ctx.paths)).apps;
    const waiting = [];
    for (const spec of apps) if (!(await pathExists(appPaths(ctx.paths, spec.name).current))) waiting.push(spec);
    for (const spec of waiting.slice(0, EARLY_LIMIT)) {
      const options = await this.options(spec);
      try {
        this.begun.set(spec.name, { ref: options.ref ?? spec.branch, deploy: await beginDeploy(spec, ctx, options) });
      } catch (error) {
        ctx.log.warn(
          { event: "deploy.first_not_begun", app: spec.name, reason: errorMessage(error) },
          "first deploy not begun early; it runs when the app boots",
        );
      }
    }
  }

  /** The app's databases are restored: its begun deploy goes on as far as it may. */
  advance(app: string): void {
    this.begun.get(app)?.deploy.advance();
  }

  /** Finishes the begun deploy of this app and ref, else deploys in full. */
  async run(spec: AppSpec, activate: ((releaseDir: string) => Promise<ActivateResult>) | undefined): Promise<void> {
    const { ctx } = this;
    const options = await this.options(spec);
    ctx.log.info({ event: "deploy.first", app: spec.name, ref: options.ref }, "deploying before first start");
    const supervisor: SupervisorLink | null = activate
      ? { appRuntime: () => Promise.resolve(undefined), activate: (_name, request) => activate(request.releaseDir) }
      : null;
    const begun = this.begun.get(spec.name);
    this.begun.delete(spec.name);
    if (begun && begun.ref === options.ref) await begun.deploy.finish(supervisor);
    else {
      await begun?.deploy.abandon();
      await deployApp(spec, ctx, { ...options, supervisor });
    }
    if ((await readRecoveryState(ctx, spec.name)).recover_commit) await clearRecoveryCommit(ctx, spec.name);
  }

  /** Begun deploys that never finished (the supervisor stopped first): their release dirs go. */
  async abandonAll(): Promise<void> {
    const begun = [...this.begun.values()];
    this.begun.clear();
    await Promise.all(begun.map(({ deploy }) => deploy.abandon().catch(() => undefined)));
  }

  private async options(spec: AppSpec): Promise<DeployOptions> {
    const recovery = await readRecoveryState(this.ctx, spec.name);
    return {
      ref: recovery.recover_commit ?? spec.branch,
      force: true,
      command: "hostctl up (first deploy)",
      progress: loggedProgress(this.ctx, spec.name),
    };
  }
}
