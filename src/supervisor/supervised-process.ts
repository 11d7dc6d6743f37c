import type { Clock, Timer } from "../lib/clock.js";
import type { Logger } from "../lib/log.js";
import { spawnLongRunning, type LongRunning } from "../lib/spawn.js";
import { nextRestart, nextSpawnRetry, type BackoffPolicy, type RestartHistory } from "./backoff.js";
import { RotatingLog } from "./log-file.js";
import { killGroup } from "../lib/process-group.js";
import { procStartTime, removeRecord, writeRecord } from "./process-records.js";
import type { ProcessStatus } from "./control-protocol.js";

const TAIL_CHARS = 4000;

export type ProcessState = ProcessStatus["state"];

export interface ChildSpec {
  app: string;
  type: string;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  logPath: string;
  /** Never holds secrets: env is not part of it. */
  display: string;
  /** Record name when two processes of one type run at once (blue/green); default: type. */
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
  /** Awaited before each step of a start that waits: lets a test stop the process exactly there. */
  atStartStep?: (step: StartStep) => Promise<void>;
}

interface Exit {
  code: number | null;
  signal: string | null;
  uptime: number;
  /** When it was seen to exit. */
  now: number;
  /** Why the OS refused to start it (signal "spawn-failed"). */
  spawnError?: Error;
}

/** The steps of a start that wait: a stop may arrive during any of them. */
export type StartStep = "open_log" | "before_restart" | "read_start_time" | "write_record";

// Own process group, rotating log, restarts with backoff; stopped with SIGTERM to the group,
// then SIGKILL after the grace period.
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
  private launching: Promise<void> | undefined;
  private wanted = false;
  private readonly logFile: RotatingLog;
  private tail = "";

  constructor(
    readonly spec: ChildSpec,
    private readonly deps: ChildDeps,
    private readonly onChange: () => void = () => undefined,
    /** Runs between an exit and the restart (not before the first start). */
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
    // An exit still being handled settles first: it may schedule the restart itself.
    if (this.pid === undefined && !this.launching) await this.exited;
    // Running, being started, or waiting for its restart: one child at a time.
    if (this.pid !== undefined || this.timer !== undefined || this.launching) return this.launching;
    await this.launch(async () => {
      await this.step("open_log");
      await this.logFile.open();
      await this.spawn();
    });
  }

  /** `graceMs`: time to finish after the stop signal (an old web draining its requests). */
  async stop(graceMs = this.deps.graceMs): Promise<void> {
    this.wanted = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.nextAt = undefined;
    if (this.pid !== undefined || this.launching) {
      this.state = "stopping";
      this.onChange();
    }
    // A child being started is ended at once; its start finishes before this returns.
    const pid = this.pid;
    const ended = pid === undefined ? undefined : killGroup(pid, graceMs, this.spec.stopSignal);
    await this.launching?.catch(() => undefined);
    await ended;
    await this.exited;
    this.state = "stopped";
    await this.logFile.close();
    this.onChange();
  }

  private launch(work: () => Promise<void>): Promise<void> {
    const run = work().finally(() => {
      if (this.launching === run) this.launching = undefined;
    });
    this.launching = run;
    return run;
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
      const { error } = await child;
      await this.onExit({ ...this.noteExit(null, "spawn-failed"), spawnError: error }, log);
      return;
    }
    this.pid = pid;
    this.startedAt = this.deps.clock.now().getTime();
    child.stdout?.on("data", (chunk: Buffer) => this.output(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.output(chunk));
    const recorded = this.record(pid, log);
    // Before the first await: a stop from here on waits for this child, not the one before it.
    this.exited = this.afterExit(child, recorded, log);
    await recorded;
    if (!this.wanted || this.pid !== pid) return;
    this.state = "running";
    log.info({ event: "process.started", pid, command: this.spec.display }, "process started");
    this.onChange();
  }

  /** The process record, so a later `up` after a crash finds and ends it. */
  private async record(pid: number, log: Logger): Promise<void> {
    await this.step("read_start_time");
    const starttime = await procStartTime(pid);
    if (!starttime) return;
    await this.step("write_record");
    try {
      await writeRecord(this.deps.pidsDir, {
        app: this.spec.app,
        type: this.spec.recordKey ?? this.spec.type,
        pid,
        starttime,
        command: this.spec.display,
      });
    } catch (error) {
      // A full disk: still tracked here; only a later `up` after a crash would not find it.
      log.warn(
        { event: "process.record_failed", pid, reason: (error as Error).message },
        "could not write the process record",
      );
    }
  }

  /** Settles once the child exited and its record is gone (removed only after it was written). */
  private async afterExit(child: LongRunning, recorded: Promise<void>, log: Logger): Promise<void> {
    const result = await child;
    const exit = this.noteExit(result.exitCode ?? null, result.signal ?? null);
    await recorded;
    await this.onExit(exit, log);
  }

  /** Shown in status as soon as the child is gone. */
  private noteExit(code: number | null, signal: string | null): Exit {
    const now = this.deps.clock.now().getTime();
    const uptime = this.pid === undefined ? 0 : now - this.startedAt;
    this.pid = undefined;
    this.lastExit = { code, signal, at: new Date(now).toISOString() };
    return { code, signal, uptime, now };
  }

  private async onExit({ code, signal, uptime, now, spawnError }: Exit, log: Logger): Promise<void> {
    await removeRecord(this.deps.pidsDir, this.spec.app, this.spec.recordKey ?? this.spec.type).catch(() => undefined);
    if (!this.wanted) {
      this.state = "stopped";
      log.info({ event: "process.stopped", code, signal }, "process stopped");
      this.onChange();
      return;
    }
    const neverRan = signal === "spawn-failed";
    const decision = neverRan
      ? nextSpawnRetry(this.history, this.deps.policy)
      : nextRestart(this.history, uptime, now, this.deps.policy);
    this.history = decision.history;
    this.state = decision.crashloop ? "crashloop" : "backoff";
    this.nextAt = now + decision.delayMs;
    log.warn(
      {
        event: neverRan ? "process.spawn_failed" : "process.exited",
        code,
        signal,
        ...(spawnError ? { reason: spawnError.message } : {}),
        uptime_ms: uptime,
        restart_in_ms: decision.delayMs,
        crashloop: decision.crashloop,
      },
      neverRan ? "process could not be started; trying again" : "process exited; restarting",
    );
    this.timer = this.deps.clock.setTimeout(() => {
      this.restarts += 1;
      this.restartTimes = [...this.restartTimes.slice(-19), this.deps.clock.now().getTime()];
      void this.launch(() => this.respawn(log));
    }, decision.delayMs);
    this.onChange();
  }

  private async respawn(log: Logger): Promise<void> {
    if (this.beforeRestart && this.wanted) {
      try {
        await this.step("before_restart");
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

  private async step(step: StartStep): Promise<void> {
    if (this.deps.atStartStep) await this.deps.atStartStep(step);
  }

  private output(chunk: Buffer): void {
    this.logFile.write(chunk);
    this.tail = (this.tail + chunk.toString()).slice(-TAIL_CHARS);
  }

  /** For an error that says why a new release failed its health check. */
  outputTail(): string {
    return this.tail;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  status(): ProcessStatus {
    return {
      type: this.spec.type,
      state: this.state,
      pid: this.pid,
      uptime_s:
        this.pid === undefined ? undefined : Math.round((this.deps.clock.now().getTime() - this.startedAt) / 1000),
      restarts: this.restarts,
      last_exit: this.lastExit,
      next_restart_at: this.nextAt === undefined ? undefined : new Date(this.nextAt).toISOString(),
      restart_times: this.restartTimes.map((t) => new Date(t).toISOString()),
    };
  }
}
