import { bootRetryDelay, type BackoffPolicy } from "./backoff.js";
import type { ProcessState } from "./supervised-process.js";
import type { AppState } from "./control-protocol.js";

// `transition` is pure: the shell (app-unit.ts) runs the effects it returns and feeds their
// outcome back as the next event.
export interface Lifecycle {
  app: string;
  state: AppState;
  reason: string | undefined;
  /** Boot failures in a row (reset once a restore succeeds): the boot-retry policy's input. */
  bootFailures: number;
  /** When the next boot attempt is due (ms since the epoch), while one is scheduled. */
  retryAt: number | undefined;
  /** A stop was asked for: nothing more starts until the next boot. */
  stopping: boolean;
  /** The supervisor is shutting down: no boot starts anything any more. */
  shutdown: boolean;
}

export type LifecycleEvent =
  | { type: "boot" }
  | { type: "restored" }
  /** Restore (or the media restore after it) failed; the boot-retry policy says when to retry. */
  | { type: "boot_failed"; reason: string; code: string; now: number }
  | { type: "retry_due" }
  | { type: "litestream_started"; hasRelease: boolean; canDeploy: boolean }
  | { type: "deployed" }
  | { type: "no_release" }
  /** `hint`: what was put back and what to do next (a failed first deploy's), for the log. */
  | { type: "start_failed"; reason: string; hint?: string }
  /** The release has no service process to start. */
  | { type: "no_processes" }
  /** The states of the live release's processes changed (an exit, a restart, a start). */
  | { type: "processes"; states: ProcessState[] }
  | { type: "stop"; reason: string | undefined; shutdown: boolean }
  | { type: "stopped"; reason: string | undefined };

export type Effect =
  | { type: "restore" }
  | { type: "start_litestream" }
  | { type: "first_deploy" }
  | { type: "start_processes" }
  | { type: "schedule_retry"; delayMs: number }
  | { type: "cancel_retry" }
  /** Processes first, then Litestream (after a boot in progress has ended). */
  | { type: "stop_all"; reason: string | undefined }
  | { type: "log"; level: "info" | "error"; event: string; message: string; fields: Record<string, unknown> };

export interface Transition {
  state: Lifecycle;
  effects: Effect[];
}

export function initialLifecycle(app: string): Lifecycle {
  return {
    app,
    state: "starting",
    reason: undefined,
    bootFailures: 0,
    retryAt: undefined,
    stopping: false,
    shutdown: false,
  };
}

/** Boot failures that end by themselves once the replica can be read: the app waits for it. */
const WAITED_FOR = new Set(["REPLICA_UNREACHABLE", "REPLICA_CREDENTIALS", "REPLICA_BUCKET_MISSING"]);

const same = (state: Lifecycle): Transition => ({ state, effects: [] });
const to = (state: Lifecycle, next: Partial<Lifecycle>, effects: Effect[] = []): Transition => ({
  state: { ...state, ...next },
  effects,
});

/** The app's state from its processes' states (only once it has started them). */
function fromProcesses(state: Lifecycle, states: ProcessState[]): Transition {
  if (state.stopping || state.state === "restoring" || state.state === "deploying" || states.length === 0)
    return same(state);
  if (states.includes("crashloop"))
    return to(state, { state: "crashloop", reason: `a process keeps exiting: hostctl logs ${state.app}` });
  if (states.every((s) => s === "running")) return to(state, { state: "running", reason: undefined });
  if (states.includes("backoff"))
    return to(state, { state: "starting", reason: "a process exited and is being restarted" });
  return same(state);
}

/** Pure: the next lifecycle and what the shell must do for it; `policy` paces boot retries. */
export function transition(state: Lifecycle, event: LifecycleEvent, policy: BackoffPolicy): Transition {
  switch (event.type) {
    case "boot":
      if (state.shutdown) return same(state);
      return to(state, { state: "restoring", reason: undefined, stopping: false }, [{ type: "restore" }]);
    case "restored":
      if (state.stopping) return same(state);
      return to(state, { state: "starting", reason: undefined, bootFailures: 0, retryAt: undefined }, [
        { type: "start_litestream" },
      ]);
    case "boot_failed": {
      const delayMs = bootRetryDelay(state.bootFailures + 1, policy);
      const log: Effect = {
        type: "log",
        level: "error",
        event: "app.boot_failed",
        message: "app not started",
        fields: { code: event.code, reason: event.reason, retry_in_ms: delayMs },
      };
      const failed = { state: "failed" as const, reason: event.reason, bootFailures: state.bootFailures + 1 };
      if (state.stopping) return to(state, { ...failed, retryAt: undefined }, [log]);
      // An unreadable replica is waited for (README); a refused restore fails. Both are retried.
      const waits = WAITED_FOR.has(event.code);
      const next = {
        state: waits ? ("waiting" as const) : failed.state,
        reason: waits ? `${event.reason}; next try in ${Math.round(delayMs / 1000)} s` : event.reason,
      };
      return to(state, { ...failed, ...next, retryAt: event.now + delayMs }, [
        log,
        { type: "schedule_retry", delayMs },
      ]);
    }
    case "retry_due":
      if (state.stopping || state.shutdown) return same(state);
      return transition(state, { type: "boot" }, policy);
    case "litestream_started":
      if (state.stopping) return same(state);
      if (!event.hasRelease && event.canDeploy) return to(state, { state: "deploying" }, [{ type: "first_deploy" }]);
      return { state, effects: [{ type: "start_processes" }] };
    case "deployed":
      if (state.stopping) return same(state);
      return to(state, { state: "starting" }, [{ type: "start_processes" }]);
    case "no_release":
      return to(state, { state: "waiting", reason: `no release yet: run hostctl deploy ${state.app}` });
    case "start_failed":
      return to(state, { state: "failed", reason: event.reason }, [
        {
          type: "log",
          level: "error",
          event: "app.start_failed",
          message: "app failed to start",
          fields: { reason: event.reason, ...(event.hint ? { hint: event.hint } : {}) },
        },
      ]);
    case "no_processes":
      return to(state, {
        state: "failed",
        reason: "no processes: add a Procfile to the repo or --process web=… to the app",
      });
    case "processes":
      return fromProcesses(state, event.states);
    case "stop":
      return to(state, { stopping: true, shutdown: state.shutdown || event.shutdown, retryAt: undefined }, [
        { type: "cancel_retry" },
        { type: "stop_all", reason: event.reason },
      ]);
    case "stopped":
      return to(state, { state: "stopped", reason: event.reason });
  }
}
