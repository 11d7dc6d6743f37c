import type { CommandResult, Deps } from "../deps.js";
import { loadHostContext, type HostContext } from "../../host/context.js";
import { createLogger, fdDestination } from "../../lib/log.js";
import { runSupervisor } from "../../supervisor/run-supervisor.js";
import { BOOT_CONCURRENCY, type SupervisorOptions } from "../../supervisor/supervisor-options.js";
import { scaledBackoff } from "../../supervisor/backoff.js";

export interface UpOptions {
  takeover?: boolean;
  /** false (--no-wait): refuse at once when another host holds the replica lease. */
  wait?: boolean;
}

export type SupervisorWiring = Pick<
  SupervisorOptions,
  "hooks" | "firstDeploy" | "extend" | "beforeStart" | "earlyRestore" | "beforeRestore" | "afterRestore" | "beforeReplicate"
>;

/** The composition root of the supervisor: JSON logs on stdout (journald), everything else from features. */
export async function up(
  options: UpOptions,
  deps: Deps,
  wiring: (ctx: HostContext, options: UpOptions) => SupervisorWiring,
): Promise<CommandResult> {
  const log = createLogger(deps.logLevel ?? "info", fdDestination(1));
  const supervisorDeps = { ...deps, log };
  const ctx = await loadHostContext(supervisorDeps);
  const scale = Number(deps.env.HOSTCTL_BACKOFF_SCALE ?? "1");
  const code = await runSupervisor(ctx, {
    policy: scaledBackoff(scale),
    graceMs: Number(deps.env.HOSTCTL_STOP_GRACE_MS ?? "10000"),
    bootConcurrency: BOOT_CONCURRENCY,
    ...wiring(ctx, options),
  });
  return { text: "", exitCode: code === 0 ? 0 : 1 };
}
