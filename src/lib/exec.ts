import type { Logger } from "./log.js";
import { existsSync } from "node:fs";
import { CommandFailedError } from "./errors.js";
import { redactUserInfo } from "./redact-url.js";

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replace the parent's environment instead of extending it. */
  cleanEnv?: boolean;
  timeoutMs?: number;
  input?: string;
  /** Ends the program (SIGTERM) when aborted; the call then fails like a timeout. */
  signal?: AbortSignal;
  /** Told the program's pid (and process group) once it runs, for a deploy lock to record. */
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

// setpriv gives the program SIGKILL however hostctl dies (a SIGKILLed deploy left its migration
// running). Without it the process group still lets a deploy lock watch the program.
const SETPRIV = "/usr/bin/setpriv";

// Node's spawn rather than execa: a deploy runs a dozen programs and execa adds about
// 1.1–1.4 ms of CPU each (docs/benchmarks.md).
export function createRunner(log: Logger): Runner {
  const pdeathsig = existsSync(SETPRIV);
  return async (file, args, options = {}) => {
    const started = Date.now();
    const [spawnFile, spawnArgs] = pdeathsig ? [SETPRIV, ["--pdeathsig", "KILL", "--", file, ...args]] : [file, args];
    // Loaded on first use: most CLI commands never run a program.
    const { runProgram } = await import("./run-program.js");
    const result = await runProgram(spawnFile, spawnArgs, options);
    const durationMs = Date.now() - started;
    // A URL's user-info never reaches a log or an error message (docs/security.md).
    const argv = [file, ...args].map(redactUserInfo);
    log.debug({ event: "exec.finished", argv, exitCode: result.exitCode, durationMs }, "command finished");
    if (result.exitCode !== 0 || result.ended || result.cause) {
      const output =
        `${result.stderr}${result.ended ? `\n(${result.ended})` : ""}` ||
        result.stdout ||
        (result.cause?.message ?? "");
      throw new CommandFailedError(
        argv,
        result.ended ? undefined : result.exitCode,
        redactUserInfo(tail(output)),
        result.cause,
      );
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: 0, durationMs };
  };
}
