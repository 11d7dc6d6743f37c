import type { Logger } from "./log.js";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
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

/** What a program may print before it is ended and the run fails (execa's default, kept when hostctl left it). */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;
/** A program that outlives its SIGTERM (a timeout, a cancel) this long gets SIGKILL. */
const FORCE_KILL_AFTER_MS = 5000;

interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  ended?: "timed out" | "cancelled" | "output over 100 MiB";
  cause?: Error;
}

/**
 * The one way hostctl runs a short-lived program: argv arrays, no shell, a timeout, one rich error. Node's
 * own spawn rather than execa: a deploy or a drill runs a dozen programs, and execa's layers cost about
 * 1.5 ms of CPU per program on top of the spawn (docs/benchmarks.md). Long-running processes (lib/spawn.ts)
 * keep execa.
 */
export function createRunner(log: Logger): Runner {
  const pdeathsig = existsSync(SETPRIV);
  return async (file, args, options = {}) => {
    const started = Date.now();
    const [spawnFile, spawnArgs] = pdeathsig ? [SETPRIV, ["--pdeathsig", "KILL", "--", file, ...args]] : [file, args];
    const result = await runProgram(spawnFile, spawnArgs, options);
    const durationMs = Date.now() - started;
    // A URL's user-info never reaches a log or an error message (docs/security.md).
    const argv = [file, ...args].map(redactUserInfo);
    log.debug({ event: "exec.finished", argv, exitCode: result.exitCode, durationMs }, "command finished");
    if (result.exitCode !== 0 || result.ended || result.cause) {
      const output = `${result.stderr}${result.ended ? `\n(${result.ended})` : ""}` || result.stdout || (result.cause?.message ?? "");
      throw new CommandFailedError(argv, result.ended ? undefined : result.exitCode, redactUserInfo(tail(output)), result.cause);
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: 0, durationMs };
  };
}

function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        // Its own process group: what it starts can be found and ended with it (and a lock can wait for it).
        detached: true,
        cwd: options.cwd,
        env: options.cleanEnv ? (options.env ?? {}) : { ...process.env, ...options.env },
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
    } catch (error) {
      resolve({ stdout: "", stderr: "", exitCode: undefined, cause: error instanceof Error ? error : new Error(String(error)) });
      return;
    }
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
    let ended: Outcome["ended"];
    let cause: Error | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    const end = (why: NonNullable<Outcome["ended"]>): void => {
      if (ended || child.exitCode !== null || child.signalCode !== null) return;
      ended = why;
      child.kill("SIGTERM");
      forceKill = setTimeout(() => child.kill("SIGKILL"), FORCE_KILL_AFTER_MS);
    };
    const collect = (name: "stdout" | "stderr") => {
      const decoder = new StringDecoder("utf8");
      return (chunk: Buffer): void => {
        out[name].push(chunk);
        out.bytes += chunk.length;
        if (out.bytes > MAX_OUTPUT_BYTES) end("output over 100 MiB");
        if (options.onOutput) {
          const text = decoder.write(chunk);
          if (text) options.onOutput(text);
        }
      };
    };
    child.stdout?.on("data", collect("stdout"));
    child.stderr?.on("data", collect("stderr"));
    if (options.input !== undefined) {
      // A program that exits without reading all of its input is not an error of the run.
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(options.input);
    }
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => end("timed out"), options.timeoutMs);
    const onAbort = (): void => end("cancelled");
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      cause = error;
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    child.once("exit", () => {
      // A program ended by its timeout or a cancel takes what it started with it (which may hold its output open).
      if (ended && child.pid !== undefined) killGroupNow(child.pid);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      options.signal?.removeEventListener("abort", onAbort);
      const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
      resolve({
        stdout: text(out.stdout),
        stderr: text(out.stderr),
        exitCode: code ?? undefined,
        ...(ended ? { ended } : {}),
        ...(cause ? { cause } : {}),
      });
    });
  });
}
