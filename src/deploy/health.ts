import { request } from "node:http";

export interface HealthCheck {
  port: number;
  path: string;
  /** Host header: the app's domain, else localhost, so Django's ALLOWED_HOSTS accepts the probe. */
  host: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting early, e.g. when the process under test has exited. */
  signal?: AbortSignal;
}

export interface HealthResult {
  ok: boolean;
  status?: number;
  error?: string;
  ms: number;
}

const PROBE_TIMEOUT_MS = 5000;

/** One GET; resolves the status code, or rejects with the connection error. */
export function probe(port: number, path: string, host: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "GET",
        headers: { host, "user-agent": "hostctl-healthcheck" },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export function isHealthyStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

/** Refused connections and non-2xx/3xx answers (e.g. 503 while warming up) are retried. */
export async function waitHealthy(check: HealthCheck): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + check.timeoutMs;
  // 10 ms: a refused loopback connection costs next to nothing and the wait is in every switch.
  const interval = check.intervalMs ?? 10;
  let last: Omit<HealthResult, "ok" | "ms"> = { error: "not probed yet" };
  for (;;) {
    if (check.signal?.aborted)
      return { ok: false, ...last, error: abortReason(check.signal, last), ms: Date.now() - started };
    try {
      const status = await probe(
        check.port,
        check.path,
        check.host,
        Math.min(PROBE_TIMEOUT_MS, Math.max(100, deadline - Date.now())),
      );
      if (isHealthyStatus(status)) return { ok: true, status, ms: Date.now() - started };
      last = { status, error: `GET ${check.path} (Host: ${check.host}) answered ${status}` };
    } catch (error) {
      last = {
        error: `GET ${check.path} on 127.0.0.1:${check.port}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (Date.now() + interval > deadline) return { ok: false, ...last, ms: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

function abortReason(signal: AbortSignal, last: Omit<HealthResult, "ok" | "ms">): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
  return last.status === undefined ? text : `${text} (last answer ${last.status})`;
}
