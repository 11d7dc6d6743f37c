import type { AppSpec } from "../config/schema.js";
import type { UnitDeps } from "./unit-deps.js";
import type { ActivateResult } from "./control-protocol.js";
import type { BackoffPolicy } from "./backoff.js";
import type { ReleaseHooks } from "./activate.js";
import type { Supervisor } from "./supervisor.js";

/** How many apps `hostctl up` boots at once; the restores and first deploys it begins early match it. */
export const BOOT_CONCURRENCY = 4;

export interface SupervisorOptions {
  policy: BackoffPolicy;
  graceMs: number;
  bootConcurrency: number;
  hooks?: ReleaseHooks;
  /**
   * Deploys an app that has no release yet, at boot. `activate` starts a release's processes under this
   * supervisor, health-checks them and switches `current` (so the web process starts once, supervised).
   */
  firstDeploy?: (spec: AppSpec, activate: ((releaseDir: string) => Promise<ActivateResult>) | undefined) => Promise<void>;
  earlyRestore?: UnitDeps["earlyRestore"];
  beforeRestore?: UnitDeps["beforeRestore"];
  afterRestore?: UnitDeps["afterRestore"];
  beforeReplicate?: UnitDeps["beforeReplicate"];
  /** Runs before apps are loaded: the host lease, recovering apps from the registry on a fresh host. */
  beforeStart?: (supervisor: Supervisor) => Promise<void>;
  /** Extra routes and periodic work from other features (drills, metrics, polling). */
  extend?: (supervisor: Supervisor) => Promise<void> | void;
}
