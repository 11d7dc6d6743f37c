import type { Clock, Timer } from "../lib/clock.js";
import type { Logger } from "../lib/log.js";
import { spawnLongRunning } from "../lib/spawn.js";
import { nextRestart, type BackoffPolicy, type RestartHistory } from "./backoff.js";
import { RotatingLog } from "./log-file.js";
import { killGroup } from "../lib/process-group.js";
import { procStartTime, removeRecord, writeRecord } from "./process-records.js";

const TAIL_CHARS = 4000;

export type ProcessState = "starting" | "running" | "backoff" | "crashloop" | "stopping" | "stopped";

export interface ChildSpec {
  app: string;
  type: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logPath: string;
  /** How the command is shown in status and records (never holds secrets: env is not part of it). */
  display: string;
  /** Name of its process record when two processes of one type run at once (blue/green); default: type. */
  recordKey?: string;
  /** The signal it stops gracefully on (uwsgi: SIGINT); default SIGTERM. */
  stopSignal?: NodeJS.Signals;
}

export interface ChildDeps {
  log: Logger;
  pidsDir: string;
  policy: BackoffPolicy;
  graceMs: number;
  /** Restart delays, uptimes and exit times. */
  clock: Clock;
}

export interface ProcessStatus {
  type: string;
  state: ProcessState;
  pid: number | undefined;
  uptime_s: number | undefined;
  restarts: number;
  last_exit: { code: number | null; signal: string | null; at: string } | undefined;
  next_restart_at: string | undefined;
  restart_times: string[];
}

/**
 * One supervised process: started in its own process group, output to a rotating log, restarted
 * with backoff when it exits, and stopped with SIGTERM to the group then SIGKILL after the grace period.
 */
export class SupervisedProcess {
  state: ProcessState = "stopped";
  private pid: number | undefined;
  private startedAt = 0;
  private restarts = 0;
  private restartTimes: number[] = [];
  private history: RestartHistory = { failures: 0, restarts: [] };
  private lastExit: ProcessStatus["last_exit"];
  private timer: Timer | undefined;
  private nextAt: number | undefined;
  private exited: Promise<void> = Promise.resolve();
  private wanted = false;
  private readonly logFile: RotatingLog;
  private tail = "";

  constructor(
    readonly spec: ChildSpec,
    private readonly deps: ChildDeps,
    private readonly onChange: () => void = () => undefined,
    /** Runs after the process exited and before it is started again (not before the first start). */
    private readonly beforeRestart?: () => Promise<void>,
  ) {
    const log = deps.log.child({ app: spec.app, process: spec.type });
    this.logFile = new RotatingLog(spec.logPath, undefined, undefined, ({ path, error, droppedBytes }) => {
      log.warn(
        { event: "log.write_failed", file: path, code: error.code, reason: error.message, dropped_bytes: droppedBytes },
        `cannot write ${path} (${error.code ?? error.message}): the process keeps running, its output is dropped until writing works again`,
      );
    });
  }

  async start(): Promise<void> {
    this.wanted = true;
    if (this.pid !== undefined) return;
    await this.logFile.open();
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    this.timer = undefined;
    this.nextAt = undefined;
    if (!this.wanted) return;
    this.state = "starting";
    const log = this.deps.log.child({ app: this.spec.app, process: this.spec.type });
    const child = spawnLongRunning(this.spec.file, this.spec.args, { cwd: this.spec.cwd, env: this.spec.env });
    const pid = child.pid;
    if (pid === undefined) {
      await child.catch(() => undefined);
      this.onExit(null, "spawn-failed", log);
      return;
    }
    this.pid = pid;
    this.startedAt = this.deps.clock.now().getTime();
    child.stdout?.on("data", (chunk: Buffer) => this.output(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.output(chunk));
    const starttime = await procStartTime(pid);
    try {
      if (starttime)
        await writeRecord(this.deps.pidsDir, {
          app: this.spec.app,
          type: this.spec.recordKey ?? this.spec.type,
          pid,
          starttime,
          command: this.spec.display,
        });
    } catch (error) {
      // A full disk: the process is tracked here all the same; only a later `up` after a crash would not find it.
      log.warn({ event: "process.record_failed", pid, reason: (error as Error).message }, "could not write the process record");
    }
    this.state = "running";
    log.info({ event: "process.started", pid, command: this.spec.display }, "process started");
    this.onChange();
    this.exited = child.then(
      (result) => {
        this.onExit(result.exitCode ?? null, result.signal ?? null, log);
      },
      () => this.onExit(null, "error", log),
    );
  }

  private onExit(code: number | null, signal: string | null, log: Logger): void {
    const now = this.deps.clock.now().getTime();
    const uptime = this.pid === undefined ? 0 : now - this.startedAt;
    this.pid = undefined;
    this.lastExit = { code, signal, at: new Date(now).toISOString() };
    void removeRecord(this.deps.pidsDir, this.spec.app, this.spec.recordKey ?? this.spec.type);
    if (!this.wanted) {
      this.state = "stopped";
      log.info({ event: "process.stopped", code, signal }, "process stopped");
      this.onChange();
      return;
    }
    const decision = nextRestart(this.history, uptime, now, this.deps.policy);
    this.history = decision.history;
    this.state = decision.crashloop ? "crashloop" : "backoff";
    this.nextAt = now + decision.delayMs;
    log.warn(
      { event: "process.exited", code, signal, uptime_ms: uptime, restart_in_ms: decision.delayMs, crashloop: decision.crashloop },
      "process exited; restarting",
    );
    this.timer = this.deps.clock.setTimeout(() => {
      this.restarts += 1;
      this.restartTimes = [...this.restartTimes.slice(-19), this.deps.clock.now().getTime()];
      void this.respawn(log);
    }, decision.delayMs);
    this.onChange();
  }

  private async respawn(log: Logger): Promise<void> {
    if (this.beforeRestart && this.wanted) {
      try {
        await this.beforeRestart();
      } catch (error) {
        log.warn(
          { event: "process.before_restart_failed", reason: (error as Error).message },
          "could not prepare the restart; restarting as before",
        );
      }
    }
    await this.spawn();
  }

  private output(chunk: Buffer): void {
    this.logFile.write(chunk);
    this.tail = (this.tail + chunk.toString()).slice(-TAIL_CHARS);
  }

  /** The last lines it printed (for an error that says why a new release failed its health check). */
  outputTail(): string {
    return this.tail;
  }

  /** `graceMs`: how long it may finish its work after its stop signal (an old web process draining its requests). */
  async stop(graceMs = this.deps.graceMs): Promise<void> {
    this.wanted = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.nextAt = undefined;
    const pid = this.pid;
    if (pid !== undefined) {
      this.state = "stopping";
      this.onChange();
      await killGroup(pid, graceMs, this.spec.stopSignal);
      await this.exited;
    }
    this.state = "stopped";
    await this.logFile.close();
    this.onChange();
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  status(): ProcessStatus {
    return {
      type: this.spec.type,
      state: this.state,
      pid: this.pid,
      uptime_s: this.pid === undefined ? undefined : Math.round((this.deps.clock.now().getTime() - this.startedAt) / 1000),
      restarts: this.restarts,
      last_exit: this.lastExit,
      next_restart_at: this.nextAt === undefined ? undefined : new Date(this.nextAt).toISOString(),
      restart_times: this.restartTimes.map((t) => new Date(t).toISOString()),
    };
  }
}
