import type { Logger } from "./log.js";
import { existsSync } from "node:fs";
import { CommandFailedError } from "./errors.js";
import { redactUserInfo } from "./redact-url.js";

function killGroupNow(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replace the parent's environment instead of extending it. */
  cleanEnv?: boolean;
  timeoutMs?: number;
  input?: string;
  /** Ends the program (SIGTERM) when aborted; the call then fails like a timeout. */
  signal?: AbortSignal;
  /** Told the pid (and process group) of the program once it runs: a deploy lock records it (deploy/lock.ts). */
  onSpawn?: (pid: number) => void;
  /** Stream output to these instead of capturing it only. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

export type Runner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

const TAIL_LINES = 20;

export function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * util-linux's setpriv: the program gets SIGKILL when hostctl dies, however it dies (a SIGKILLed deploy left its
 * migration running). Without it, programs still run in their own process group, which a deploy lock watches.
 */
const SETPRIV = "/usr/bin/setpriv";

/** The one way hostctl runs a short-lived program: argv arrays, no shell, a timeout, one rich error. */
export function createRunner(log: Logger): Runner {
  const pdeathsig = existsSync(SETPRIV);
  return async (file, args, options = {}) => {
    const started = Date.now();
    // Loaded on first use: most CLI commands never run a program.
    const { execa } = await import("execa");
    const [spawnFile, spawnArgs] = pdeathsig ? [SETPRIV, ["--pdeathsig", "KILL", "--", file, ...args]] : [file, args];
    const child = execa(spawnFile, spawnArgs, {
      // Its own process group: what it starts can be found and ended with it (and a lock can wait for it).
      detached: true,
      cwd: options.cwd,
      env: options.env,
      extendEnv: !options.cleanEnv,
      timeout: options.timeoutMs,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      input: options.input,
      reject: false,
      all: true,
      stripFinalNewline: false,
    });
    if (options.onOutput) child.all?.on("data", (chunk: Buffer) => options.onOutput?.(chunk.toString()));
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const result = await child;
    // A program ended by its timeout or a cancel takes what it started with it.
    if ((result.timedOut || result.isCanceled) && child.pid !== undefined) killGroupNow(child.pid);
    const durationMs = Date.now() - started;
    // A URL's user-info never reaches a log or an error message (docs/security.md).
    const argv = [file, ...args].map(redactUserInfo);
    log.debug({ event: "exec.finished", argv, exitCode: result.exitCode, durationMs }, "command finished");
    if (result.failed) {
      const output =
        `${String(result.stderr ?? "")}${result.timedOut ? "\n(timed out)" : ""}${result.isCanceled ? "\n(cancelled)" : ""}` ||
        String(result.stdout ?? "");
      throw new CommandFailedError(argv, result.exitCode, redactUserInfo(tail(output)), result.cause);
    }
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 0, durationMs };
  };
}
