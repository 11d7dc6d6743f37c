import { createServer } from "node:net";
import { tail } from "../lib/exec.js";
import { spawnLongRunning } from "../lib/spawn.js";
import { shellArgs } from "../apps/process-env.js";
import { killGroup } from "../lib/process-group.js";
import { waitHealthy, type HealthResult } from "./health.js";

export interface TemporaryWebInput {
  command: string;
  cwd: string;
  env: Record<string, string>;
  port: number;
  path: string;
  host: string;
  timeoutMs: number;
  /** What stops it gracefully (uwsgi: SIGINT); default SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

export interface TemporaryWebResult extends HealthResult {
  output: string;
  /** Resolves once the process group is gone: at once when unhealthy, later when healthy. */
  stopped: Promise<void>;
}

const STOP_GRACE_MS = 5000;
const OUTPUT_LIMIT = 64 * 1024;

/** So a health check cannot hit an old server. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** The whole process group ends; a healthy one stops in the background (gunicorn drains ~0.2 s)
 * and the caller awaits `stopped` before it returns. */
export async function healthCheckTemporarily(input: TemporaryWebInput): Promise<TemporaryWebResult> {
  const [file, args] = shellArgs(input.command);
  const child = spawnLongRunning(file, args, { cwd: input.cwd, env: input.env });
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new AbortController();
  void child.then((result) =>
    exited.abort(
      new Error(
        result.error
          ? `the web process could not be started: ${result.error.message}`
          : `the web process exited (${result.signal ?? `code ${String(result.exitCode)}`}) before it answered`,
      ),
    ),
  );
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined) await killGroup(child.pid, STOP_GRACE_MS, input.stopSignal);
    await child.catch(() => undefined);
  };
  let result: HealthResult;
  try {
    result = await waitHealthy({
      port: input.port,
      path: input.path,
      host: input.host,
      timeoutMs: input.timeoutMs,
      signal: exited.signal,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  if (!result.ok) {
    await stop();
    return { ...result, output: tail(output), stopped: Promise.resolve() };
  }
  return { ...result, output: tail(output), stopped: stop() };
}
