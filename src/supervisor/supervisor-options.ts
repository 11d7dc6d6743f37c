import type { AppSpec } from "../config/schema.js";
import type { UnitDeps } from "./unit-deps.js";
import type { ActivateResult } from "./control-protocol.js";
import type { BackoffPolicy } from "./backoff.js";
import type { ReleaseHooks } from "./activate.js";

/** How many apps `hostctl up` boots at once; the restores and first deploys it begins early match it. */
export const BOOT_CONCURRENCY = 4;

/** The steps `up` adds to each app's boot; app-unit.ts runs them in its lifecycle's order (app-state.ts). */
export interface AppSteps extends Pick<UnitDeps, "earlyRestore" | "beforeRestore" | "afterRestore" | "beforeReplicate"> {
  /**
   * Deploys an app that has no release yet, at boot. `activate` starts a release's processes under this
   * supervisor, health-checks them and switches `current` (so the web process starts once, supervised).
   */
  firstDeploy?: (spec: AppSpec, activate: ((releaseDir: string) => Promise<ActivateResult>) | undefined) => Promise<void>;
}

export interface SupervisorOptions {
  policy: BackoffPolicy;
  graceMs: number;
  bootConcurrency: number;
  /** Health check and switch of `current`; without them this supervisor cannot switch releases. */
  hooks?: ReleaseHooks;
  appSteps?: AppSteps;
}
