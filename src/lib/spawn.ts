import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable } from "node:stream";
import { HostctlError } from "./errors.js";

const IONICE = "/usr/bin/ionice";

export interface SpawnOptions {
  cwd?: string;
  env: Record<string, string>;
}

/** Exit code or ending signal; neither when it never started. */
export interface LongRunningExit {
  exitCode?: number;
  signal?: string;
  /** Why it could not be started (a missing program or directory). */
  error?: Error;
}

/** A long-running child: settles (never rejects) once it has exited and its output has closed. */
export type LongRunning = Promise<LongRunningExit> & {
  pid: number | undefined;
  stdout: Readable | null;
  stderr: Readable | null;
};

// A clean environment, so nothing of the supervisor's leaks into apps; detached so the
// whole process group can be ended.
export function spawnLongRunning(file: string, args: readonly string[], options: SpawnOptions): LongRunning {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ended = new Promise<LongRunningExit>((resolve) => {
    child.once("error", (error) => {
      // Not started (ENOENT, a missing cwd): no "close" need follow.
      if (child.pid === undefined) resolve({ error });
    });
    child.once("close", (code, signal) => {
      resolve({ ...(code === null ? {} : { exitCode: code }), ...(signal === null ? {} : { signal }) });
    });
  });
  return Object.assign(ended, { pid: child.pid, stdout: child.stdout, stderr: child.stderr });
}

// Inherited stdio keeps a TTY a TTY; a signal death is 128 + the signal's number, as in a shell.
export async function runAttached(file: string, args: readonly string[], options: SpawnOptions): Promise<number> {
  const { constants } = await import("node:os");
  const { execa } = await import("execa");
  const result = await execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    stdio: "inherit",
  });
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  if (result.failed && result.exitCode === undefined)
    throw new HostctlError("COMMAND_FAILED", `could not run ${file}: ${result.shortMessage}`);
  return result.exitCode ?? 0;
}

/** `rm -rf` left to run on its own at idle CPU and I/O priority; a later call removes whatever it left. */
export function removeInBackground(paths: readonly string[]): void {
  if (paths.length === 0) return;
  const rm = ["nice", "-n", "19", "rm", "-rf", "--", ...paths];
  const argv = existsSync(IONICE) ? [IONICE, "-c", "3", ...rm] : rm;
  // Only PATH: nothing of the caller's environment (credentials) needs to reach rm.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const child = spawn(argv[0] ?? "nice", argv.slice(1), { detached: true, stdio: "ignore", env });
  child.once("error", () => undefined);
  child.unref();
}
