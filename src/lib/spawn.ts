import { execa, type ResultPromise } from "execa";

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
