import { spawn, type ChildProcess } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import type { RunOptions } from "./exec.js";
import { killGroupNow } from "./process-group.js";

// The runner's (exec.ts) one program: Node's spawn, output captured and streamed, timeout, cancel.

/** Output limit before the program is ended and the run fails (execa's default, kept). */
const MAX_OUTPUT_BYTES = 100 * 1024 * 1024;
/** A program that outlives its SIGTERM (a timeout, a cancel) this long gets SIGKILL. */
const FORCE_KILL_AFTER_MS = 5000;

export interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
  ended?: "timed out" | "cancelled" | "output over 100 MiB";
  cause?: Error;
}

export function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        // Its own process group, so what it starts is ended with it (and a lock can wait for it).
        detached: true,
        cwd: options.cwd,
        env: options.cleanEnv ? (options.env ?? {}) : { ...process.env, ...options.env },
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
    } catch (error) {
      resolve({
        stdout: "",
        stderr: "",
        exitCode: undefined,
        cause: error instanceof Error ? error : new Error(String(error)),
      });
      return;
    }
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
    let ended: Outcome["ended"];
    let cause: Error | undefined;
    let forceKill: NodeJS.Timeout | undefined;
    const end = (why: NonNullable<Outcome["ended"]>): void => {
      if (ended) return;
      ended = why;
      // Exited, but what it started still holds its output open: that goes now.
      if (child.exitCode !== null || child.signalCode !== null) {
        if (child.pid !== undefined) killGroupNow(child.pid);
        return;
      }
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
      // Ended by timeout or cancel: take its children too, which may hold its output open.
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
