import type { AppSpec } from "../config/schema.js";
import type { UnitDeps } from "./unit-deps.js";
import type { ActivateResult } from "./control-protocol.js";
import type { BackoffPolicy } from "./backoff.js";
import type { ReleaseHooks } from "./activate.js";

/** The restores and first deploys begun early match this. */
export const BOOT_CONCURRENCY = 4;

/** app-unit.ts runs them in its lifecycle's order (app-state.ts). */
export interface AppSteps extends Pick<
  UnitDeps,
  "earlyRestore" | "beforeRestore" | "afterRestore" | "beforeReplicate"
> {
  /** `activate` starts the release under this supervisor, so the web process starts once. */
  firstDeploy?: (
    spec: AppSpec,
    activate: ((releaseDir: string) => Promise<ActivateResult>) | undefined,
  ) => Promise<void>;
}

export interface SupervisorOptions {
  policy: BackoffPolicy;
  graceMs: number;
  bootConcurrency: number;
  /** Health check and switch of `current`; without them this supervisor cannot switch releases. */
  hooks?: ReleaseHooks;
  appSteps?: AppSteps;
}
