import type { Logger } from "./log.js";
import { CommandFailedError } from "./errors.js";

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replace the parent's environment instead of extending it. */
  cleanEnv?: boolean;
  timeoutMs?: number;
  input?: string;
  /** Ends the program (SIGTERM) when aborted; the call then fails like a timeout. */
  signal?: AbortSignal;
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

/** The one way hostctl runs a short-lived program: argv arrays, no shell, a timeout, one rich error. */
export function createRunner(log: Logger): Runner {
  return async (file, args, options = {}) => {
    const started = Date.now();
    // Loaded on first use: most CLI commands never run a program.
    const { execa } = await import("execa");
    const child = execa(file, args, {
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
    const result = await child;
    const durationMs = Date.now() - started;
    const argv = [file, ...args];
    log.debug({ event: "exec.finished", argv, exitCode: result.exitCode, durationMs }, "command finished");
    if (result.failed) {
      const output = `${String(result.stderr ?? "")}${result.timedOut ? "\n(timed out)" : ""}${result.isCanceled ? "\n(cancelled)" : ""}` || String(result.stdout ?? "");
      throw new CommandFailedError(argv, result.exitCode, tail(output), result.cause);
    }
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? 0, durationMs };
  };
}

