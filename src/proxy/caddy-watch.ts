import { request } from "node:http";
import type { Clock, Timer } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import type { Logger } from "../lib/log.js";
import type { Loop } from "../lib/loop.js";
import { caddyAdmin } from "./caddy-admin.js";

export interface WatchOptions {
  intervalMs: number;
  /** Unanswered probes in a row before Caddy is killed (the supervised process restarts it). */
  failures: number;
  timeoutMs: number;
  /** Grace for a Caddy that has not answered once yet before its silence counts. */
  startGraceMs: number;
}

export const DEFAULT_WATCH: WatchOptions = { intervalMs: 5000, failures: 3, timeoutMs: 2000, startGraceMs: 20_000 };

/** Env overrides shorten the watch for tests; production leaves them unset. */
export function watchOptions(env: Record<string, string | undefined>): WatchOptions {
  const interval = Number(env.HOSTCTL_PROXY_PROBE_MS);
  const failures = Number(env.HOSTCTL_PROXY_PROBE_FAILURES);
  if (!(interval > 0)) return DEFAULT_WATCH;
  return {
    ...DEFAULT_WATCH,
    intervalMs: interval,
    timeoutMs: Math.min(DEFAULT_WATCH.timeoutMs, interval),
    ...(failures > 0 ? { failures } : {}),
  };
}

/** What `status` shows of the watch. */
export interface FrontDoorHealth {
  /** Probes in a row that got no answer (0: the last one did). */
  unanswered_probes: number;
  last_probe_error?: string;
  stall_restarts: number;
  last_stall_restart_at?: string;
}

export interface WatchDeps {
  clock: Clock;
  log: Logger;
  /** Undefined when the front door answered, else why not. */
  probe: (timeoutMs: number) => Promise<string | undefined>;
  /** The running Caddy's pid (undefined while it is restarting). */
  pid: () => number | undefined;
  kill: (pid: number) => void;
  options: WatchOptions;
}

// A SIGSTOPped or wedged Caddy never exits by itself: after `failures` silent probes it is
// SIGKILLed and restarted from the current config, as a stalled Litestream is.
export class CaddyWatch implements Loop {
  private timer: Timer | undefined;
  private round: Promise<void> | undefined;
  private watchedPid: number | undefined;
  private watchedSince = 0;
  private answered = false;
  private readonly health: FrontDoorHealth = { unanswered_probes: 0, stall_restarts: 0 };

  constructor(private readonly deps: WatchDeps) {}

  start(): void {
    this.timer ??= this.deps.clock.setInterval(() => {
      this.round ??= this.probeOnce().finally(() => (this.round = undefined));
    }, this.deps.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await this.round;
  }

  status(): FrontDoorHealth {
    return { ...this.health };
  }

  // Private

  private async probeOnce(): Promise<void> {
    const pid = this.deps.pid();
    if (pid === undefined) return this.reset(undefined);
    if (pid !== this.watchedPid) this.reset(pid);
    const error = await this.deps.probe(this.deps.options.timeoutMs);
    if (this.timer === undefined || this.deps.pid() !== pid) return;
    if (error === undefined) {
      this.answered = true;
      this.health.unanswered_probes = 0;
      delete this.health.last_probe_error;
      return;
    }
    const now = this.deps.clock.now().getTime();
    if (!this.answered && now - this.watchedSince < this.deps.options.startGraceMs) return;
    this.health.unanswered_probes += 1;
    this.health.last_probe_error = error;
    if (this.health.unanswered_probes >= this.deps.options.failures) this.restart(pid, error, now);
  }

  private restart(pid: number, error: string, now: number): void {
    const { log } = this.deps;
    log.error(
      { event: "proxy.stalled", pid, probes: this.health.unanswered_probes, reason: error },
      `the front door (Caddy, pid ${pid}) did not answer ${this.health.unanswered_probes} probes in a row (${error}): killing it; it starts again from the current config`,
    );
    this.health.stall_restarts += 1;
    this.health.last_stall_restart_at = new Date(now).toISOString();
    try {
      this.deps.kill(pid);
    } catch (killError) {
      log.warn(
        { event: "proxy.kill_failed", pid, reason: errorMessage(killError) },
        "could not kill the stalled Caddy",
      );
    }
    this.reset(undefined);
  }

  private reset(pid: number | undefined): void {
    this.watchedPid = pid;
    this.watchedSince = this.deps.clock.now().getTime();
    this.answered = false;
    if (pid === undefined) this.health.unanswered_probes = 0;
  }
}

/** The bind address, or loopback when Caddy listens on every address. */
export function probeAddress(proxy: { bind?: string | undefined; http_port: number }): { host: string; port: number } {
  const bind = proxy.bind ?? "";
  const host =
    bind === "" || bind === "0.0.0.0"
      ? "127.0.0.1"
      : bind === "::" || bind === "[::]"
        ? "::1"
        : bind.replace(/^\[|\]$/g, "");
  return { host, port: proxy.http_port };
}

/** Any HTTP answer (a 308 to HTTPS, a 404 for an unknown host) proves Caddy serves. */
function httpAnswers(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path: "/", agent: false, timeout: timeoutMs, headers: { Host: "hostctl-probe.invalid" } },
      (res) => {
        res.resume();
        resolve();
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

// The admin endpoint probed takes no config lock, so a slow reload does not read as a stall.
// Undefined when both answered.
export async function probeFrontDoor(
  adminSocket: string,
  http: { host: string; port: number },
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const answer = await caddyAdmin(adminSocket, "GET", "/reverse_proxy/upstreams", undefined, timeoutMs);
    if (answer.status !== 200) return `admin API answered ${answer.status}`;
  } catch (error) {
    return `admin API: ${errorMessage(error)}`;
  }
  try {
    await httpAnswers(http.host, http.port, timeoutMs);
  } catch (error) {
    return `http://${http.host}:${http.port}/: ${errorMessage(error)}`;
  }
  return undefined;
}
