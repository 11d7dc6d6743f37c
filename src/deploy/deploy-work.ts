import type { HostContext } from "../host/context.js";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { BuildResult } from "./build.js";
import type { Commit } from "./git.js";
import type { Snapshot } from "./snapshot.js";
import type { SupervisorLink } from "./supervisor-link.js";

export interface DeployOptions {
  ref?: string;
  /** Run the release phase even when Litestream is down or behind. */
  force?: boolean;
  /** Pushed to push.git (post-receive hook): fetch from there, not from the upstream. */
  fromPush?: boolean;
  /** undefined: look for `hostctl up` on the control socket; null: act as if none runs. */
  supervisor?: SupervisorLink | null;
  /** Shown to a second deploy that finds the lock held. */
  command?: string;
  /** Where the deploy's step lines and command output go (the CLI's stderr); none: nowhere. */
  progress?: (line: string) => void;
}

/** One deploy's state, filled in step by step. */
export interface Work {
  spec: AppSpec;
  ctx: HostContext;
  app: AppPaths;
  options: DeployOptions;
  supervisor: SupervisorLink | undefined;
  ref: string;
  previous: string | undefined;
  commit?: Commit;
  release?: string;
  dir?: string;
  env?: Record<string, string>;
  processes?: Record<string, string>;
  snapshots: Snapshot[];
  build?: BuildResult;
  gap_s?: number;
  switch?: string;
  health_ms?: number;
  pruned: string[];
  /** A temporary web process still stopping during switch and prune; awaited before return. */
  stopping?: Promise<void>;
}

const quiet = (): void => undefined;

export function progressOf(work: Work): (line: string) => void {
  return work.options.progress ?? quiet;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} missing (step order)`);
  return value;
}
