import { execa, type ResultPromise } from "execa";
import { HostctlError } from "./errors.js";

export interface SpawnOptions {
  cwd?: string;
  env: Record<string, string>;
}

/**
 * Starts a long-running child in its own process group (detached), with a clean environment
 * so nothing of the supervisor's own environment leaks into apps, and output as pipes.
 */
export function spawnLongRunning(file: string, args: readonly string[], options: SpawnOptions): ResultPromise {
  return execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    reject: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    cleanup: false,
    forceKillAfterDelay: false,
  });
}

/**
 * Runs a program attached to this terminal (stdin, stdout, stderr inherited, so a TTY stays a
 * TTY) and resolves with its exit status; a signal death is 128 + the signal's number, as a shell reports it.
 */
export async function runAttached(file: string, args: readonly string[], options: SpawnOptions): Promise<number> {
  const { constants } = await import("node:os");
  const result = await execa(file, args, { cwd: options.cwd, env: options.env, extendEnv: false, reject: false, stdio: "inherit" });
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  if (result.failed && result.exitCode === undefined)
    throw new HostctlError("COMMAND_FAILED", `could not run ${file}: ${result.shortMessage}`);
  return result.exitCode ?? 0;
}
