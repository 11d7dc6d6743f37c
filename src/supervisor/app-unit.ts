import { realpath } from "node:fs/promises";
import { engineOf } from "../litestream/engine-v03.js";
import { join, posix } from "node:path";
import type { HostContext } from "../apps/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths, type AppPaths } from "../config/paths.js";
import { releaseProcesses, serviceProcesses } from "../apps/procfile.js";
import { releaseProcessEnv } from "../apps/release-env.js";
import { appDomains } from "../config/domains.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { replicateArgs } from "../litestream/args.js";
import { litestreamEnv } from "../s3/credentials.js";
import { replicaState } from "../s3/replica-state.js";
import { ensureDatabases, type DatabaseRestore } from "../restore/restore-app.js";
import { markReplicated } from "../restore/markers.js";
import { nextRestart, type BackoffPolicy, type RestartHistory } from "./backoff.js";
import { SupervisedProcess, type ProcessStatus } from "./child.js";
import { ReleaseProcessSet } from "./release-set.js";
import { switchRelease, type SwitchResult, type UnitProxy } from "./blue-green.js";
import { waitLitestreamReady } from "../litestream/ready.js";
import { isPortFree } from "../litestream/ports.js";
import { acquireReplicateLocks, releaseReplicateLocks } from "./replicate-lock.js";

export type AppState = "starting" | "restoring" | "deploying" | "waiting" | "running" | "crashloop" | "stopped" | "failed";

export interface AppStatus {
  name: string;
  kind: string;
  state: AppState;
  reason: string | undefined;
  next_retry_at: string | undefined;
  release: string | undefined;
  data_dir: string;
  port: number;
  domains: string[];
  /** Behind the proxy: the internal port of the live release's web process. */
  live_port: number | undefined;
  processes: ProcessStatus[];
  litestream: (ProcessStatus & { replicating: boolean }) | { state: "none" | "disabled"; replicating: false };
  databases: DatabaseRestore[];
  /** Facts other features attach (last drill, replication lag, media, polling). */
  [annotation: string]: unknown;
}

export interface UnitDeps {
  ctx: HostContext;
  policy: BackoffPolicy;
  graceMs: number;
  hostId: string;
  /** Loopback port of this app's Litestream metrics (addr: in its config). */
  metricsPort: number | undefined;
  /** Runs after the databases are in place, before anything starts (media restore on a fresh host). */
  afterRestore?: (spec: AppSpec, databases: DatabaseRestore[]) => Promise<void>;
  /** Awaited before Litestream starts; throws when this host must not write to the replica (its lease is not confirmed). */
  beforeReplicate?: () => Promise<void>;
  /** Deploys an app that has no release yet (restore has already run). */
  firstDeploy?: (spec: AppSpec) => Promise<void>;
  onChange: () => void;
  /** The front door, when Caddy runs: releases then start on internal ports and switch blue/green. */
  proxy?: UnitProxy;
}

/**
 * One app under supervision: restore-on-boot (retried with backoff while the replica is unreachable),
 * then its Litestream, then its processes; stopped in the reverse order so the last writes are shipped.
 */
export class AppUnit {
  state: AppState = "starting";
  reason: string | undefined;
  private nextRetryAt: number | undefined;
  private databases: DatabaseRestore[] = [];
  private litestream: SupervisedProcess | undefined;
  private live: ReleaseProcessSet | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryHistory: RestartHistory = { failures: 0, restarts: [] };
  private markerTimer: NodeJS.Timeout | undefined;
  private replicated = new Set<string>();
  private stopping = false;
  /** The supervisor is shutting down: no boot may start anything any more. */
  private final = false;
  private booting: Promise<void> | undefined;
  private replicationDisabled: string | undefined;
  private readonly annotations = new Map<string, unknown>();
  readonly paths: AppPaths;

  constructor(public spec: AppSpec, private readonly deps: UnitDeps) {
    this.paths = appPaths(deps.ctx.paths, spec.name);
  }

  /** Loopback port of this app's Litestream metrics. */
  get metricsPort(): number | undefined {
    return this.deps.metricsPort;
  }

  private get log() {
    return this.deps.ctx.log.child({ app: this.spec.name });
  }

  private set(state: AppState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.deps.onChange();
  }

  /**
   * Restore what is missing, then start. Never throws: failures become state and a scheduled retry. A stop
   * while it runs waits for it, and it starts nothing once the stop was asked for.
   */
  boot(): Promise<void> {
    if (this.final) return Promise.resolve();
    if (this.booting) return this.booting;
    this.stopping = false;
    this.booting = this.bootSteps().finally(() => {
      this.booting = undefined;
    });
    return this.booting;
  }

  private async bootSteps(): Promise<void> {
    this.set("restoring");
    try {
      this.databases = await ensureDatabases(this.spec, this.deps.ctx);
      for (const db of this.databases) {
        if (db.action !== "present") this.log.info({ event: `database.${db.action}`, database: db.path, restore_ms: db.restore_ms, generation: db.generation }, `database ${db.action}`);
        if (db.action === "restored") this.log.info({ event: "litestream.new_generation_expected", database: db.path }, "Litestream starts a new generation after a restore: expected");
      }
      if (this.stopping) return;
      await this.deps.afterRestore?.(this.spec, this.databases);
    } catch (error) {
      this.scheduleRetry(error);
      return;
    }
    if (this.stopping) return;
    this.retryHistory = { failures: 0, restarts: [] };
    this.nextRetryAt = undefined;
    this.set("starting");
    try {
      await this.startLitestream();
      if (!(await pathExists(this.paths.current)) && this.deps.firstDeploy && !this.stopping) {
        this.set("deploying");
        await this.deps.firstDeploy(this.spec);
        this.set("starting");
      }
      if (this.stopping) return;
      await this.startProcesses();
    } catch (error) {
      this.set("failed", errorMessage(error));
      this.log.error({ event: "app.start_failed", reason: errorMessage(error) }, "app failed to start");
    }
  }

  private scheduleRetry(error: unknown): void {
    const decision = nextRestart(this.retryHistory, 0, Date.now(), { ...this.deps.policy, baseMs: this.deps.policy.baseMs * 5, crashloopRestarts: Number.MAX_SAFE_INTEGER });
    this.retryHistory = decision.history;
    this.nextRetryAt = Date.now() + decision.delayMs;
    const code = error instanceof HostctlError ? error.code : "INTERNAL";
    this.log.error({ event: "app.boot_failed", code, reason: errorMessage(error), retry_in_ms: decision.delayMs }, "app not started");
    this.set("failed", errorMessage(error));
    if (this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.boot();
    }, decision.delayMs);
  }

  /**
   * Stops replicating for good (another host took the lease): two Litestreams writing one replica path
   * corrupt it. The app keeps serving; status says why its writes are no longer shipped.
   */
  async stopReplication(reason: string): Promise<void> {
    this.replicationDisabled = reason;
    if (this.markerTimer) clearTimeout(this.markerTimer);
    if (this.litestream) {
      await this.litestream.stop();
      this.litestream = undefined;
      await releaseReplicateLocks(this.deps.ctx.paths.locks, this.spec.databases.map((db) => join(this.paths.data, db.path)));
    }
    this.deps.onChange();
  }

  private metricsPortTaken = false;

  /** Restarts a Litestream that makes no progress while writes wait (see litestream/stall.ts). */
  async restartLitestream(): Promise<void> {
    const ls = this.litestream;
    if (!ls || this.stopping || this.replicationDisabled) return;
    await ls.stop();
    if (this.stopping || this.litestream !== ls) return;
    await ls.start();
  }

  private async startLitestream(): Promise<void> {
    await this.deps.beforeReplicate?.();
    if (this.spec.databases.length === 0 || this.litestream || this.replicationDisabled) return;
    const dbPaths = this.spec.databases.map((db) => join(this.paths.data, db.path));
    await acquireReplicateLocks(this.deps.ctx.paths.locks, dbPaths);
    // Litestream replicates even when its metrics port is taken, but hostctl would then read another
    // process's metrics: say so (the lag is then unknown and counted as behind, never read from them).
    const port = this.deps.metricsPort;
    const taken = port !== undefined && !(await isPortFree(port));
    this.metricsPortTaken = taken;
    if (taken) this.log.warn({ event: "litestream.metrics_port_taken", port }, `127.0.0.1:${port} is held by another process: Litestream's metrics (lag) cannot be read`);
    this.annotate("litestream_metrics", taken ? `127.0.0.1:${port} is held by another process: lag unknown (free it, or change litestream.metrics_port_base)` : undefined);
    const { ctx } = this.deps;
    this.litestream = new SupervisedProcess({
      app: this.spec.name,
      type: "litestream",
      file: ctx.litestream,
      args: replicateArgs(this.paths.litestreamConfig),
      cwd: this.paths.root,
      env: litestreamEnv(ctx.credentials),
      logPath: join(this.paths.logs, "litestream.log"),
      display: `litestream ${replicateArgs(this.paths.litestreamConfig).join(" ")}`,
    }, { log: ctx.log, pidsDir: ctx.paths.pids, policy: this.deps.policy, graceMs: this.deps.graceMs }, this.deps.onChange);
    await this.litestream.start();
    this.watchForFirstReplication();
  }

  /** Writes the replication marker for every database whose replica holds data (best effort). */
  private async checkReplicated(): Promise<void> {
    for (const db of this.spec.databases) {
      if (this.replicated.has(db.path)) continue;
      try {
        if ((await replicaState(this.deps.ctx.store, this.spec.name, db.path, engineOf(this.deps.ctx))).state === "exists") {
          await markReplicated(this.deps.ctx, this.spec.name, db.path, this.deps.hostId);
          this.replicated.add(db.path);
        }
      } catch (error) {
        this.log.warn({ event: "marker.failed", database: db.path, reason: errorMessage(error) }, "could not write the replication marker; will retry");
      }
    }
  }

  private watchForFirstReplication(): void {
    const tick = async () => {
      await this.checkReplicated();
      if (this.replicated.size < this.spec.databases.length && !this.stopping) this.markerTimer = setTimeout(() => void tick(), 2000);
    };
    this.markerTimer = setTimeout(() => void tick(), 1500);
  }

  private async startProcesses(): Promise<void> {
    if (this.live && this.live.size > 0) {
      // A first deploy activated its release through this unit: its processes already run.
      this.refresh();
      return;
    }
    if (!(await pathExists(this.paths.current))) {
      this.set("waiting", `no release yet: run hostctl deploy ${this.spec.name}`);
      return;
    }
    await this.startRelease(await realpath(this.paths.current));
  }

  /**
   * Starts every service process of one release directory (absolute path: never through `current`). Behind
   * the proxy this is a blue/green switch (the first start at boot too); a failed health check throws.
   */
  async startRelease(releaseDir: string): Promise<void> {
    if (this.deps.proxy) {
      await this.switchTo(releaseDir);
      return;
    }
    const set = await this.startSet(releaseDir, this.spec.port);
    if (set) this.live = set;
    this.refresh();
  }

  /** The processes of a release on a port, not live yet; undefined (and state failed) when it has none. */
  async startSet(releaseDir: string, port: number): Promise<ReleaseProcessSet | undefined> {
    const { ctx } = this.deps;
    const processes = serviceProcesses(await releaseProcesses(this.spec, releaseDir));
    if (Object.keys(processes).length === 0) {
      this.set("failed", `no processes: add a Procfile to the repo or --process web=… to the app`);
      return undefined;
    }
    const env = await releaseProcessEnv(ctx.paths, this.spec, releaseDir, port);
    const set = new ReleaseProcessSet(releaseDir, port);
    const childDeps = { log: ctx.log, pidsDir: ctx.paths.pids, policy: this.deps.policy, graceMs: this.deps.graceMs };
    await set.start({ spec: this.spec, paths: this.paths, releaseDir, port, processes, env, blueGreen: this.deps.proxy !== undefined }, childDeps, () => this.refresh(), () => this.stopping);
    return set;
  }

  /**
   * Blue/green: the release starts on the idle internal port beside the live one, must answer its health
   * check, then the upstream switches in one admin call and the old set drains. `afterSwitch` runs between
   * the two (the `current` link). Throws, with the new processes' output, when the check fails.
   */
  async switchTo(releaseDir: string, afterSwitch?: () => Promise<void>): Promise<SwitchResult | undefined> {
    const proxy = this.deps.proxy;
    if (!proxy) throw new Error("internal: switchTo without a proxy");
    return switchRelease({
      proxy, spec: this.spec,
      start: (port) => this.startSet(releaseDir, port),
      swap: (next) => {
        const old = this.live;
        this.live = next;
        this.refresh();
        return old;
      },
      ...(afterSwitch ? { afterSwitch } : {}),
    });
  }

  /** Releases switch blue/green behind the proxy. */
  get blueGreen(): boolean {
    return this.deps.proxy !== undefined;
  }

  /** Behind the proxy a restart is a switch to a fresh set of the live release: no dark moment. */
  get canSwitch(): boolean {
    return this.deps.proxy !== undefined && this.live !== undefined && this.state === "running";
  }

  async restartInPlace(): Promise<SwitchResult | undefined> {
    const dir = this.live?.releaseDir;
    if (!dir) throw new Error("internal: restartInPlace without a live release");
    return this.switchTo(dir);
  }

  /** A web process runs (or is being restarted): the only kind a health check can reach. */
  get hasWeb(): boolean {
    return this.live?.hasWeb ?? false;
  }

  async stopProcesses(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    this.deps.proxy?.forget(this.spec.name);
    await live?.stop();
  }

  /**
   * Apps first, then Litestream: the last writes the apps acknowledged are shipped before it exits. A boot
   * in progress (a restore, a first deploy) is waited for; it starts nothing after this. `final`: the
   * supervisor is shutting down, so no later boot starts anything either.
   */
  async stop(reason = "stopped", final = false): Promise<void> {
    this.stopping = true;
    if (final) this.final = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.markerTimer) clearTimeout(this.markerTimer);
    this.retryTimer = undefined;
    this.nextRetryAt = undefined;
    if (this.booting) await this.booting;
    await this.stopProcesses();
    if (this.litestream) {
      // Metrics on a port another process holds are not ours: waiting for them would only delay the stop.
      if (this.litestream.running && this.deps.metricsPort !== undefined && !this.metricsPortTaken) {
        const dbPaths = this.spec.databases.map((db) => join(this.paths.data, db.path));
        const ready = await waitLitestreamReady(this.deps.metricsPort, dbPaths, 10_000);
        if (!ready) this.log.warn({ event: "litestream.not_ready", databases: dbPaths }, "Litestream had not synced every database before shutdown; the newest writes may not be shipped");
      }
      await this.litestream.stop();
      this.litestream = undefined;
      // Its final sync may have been the first one: record that the replica now holds data.
      await this.checkReplicated();
      await releaseReplicateLocks(this.deps.ctx.paths.locks, this.spec.databases.map((db) => join(this.paths.data, db.path)));
    }
    this.set("stopped", reason === "stopped" ? undefined : reason);
  }

  private refresh(): void {
    if (this.stopping || this.state === "restoring" || this.state === "deploying") {
      this.deps.onChange();
      return;
    }
    const states = this.live?.states() ?? [];
    if (states.length === 0) return this.deps.onChange();
    if (states.includes("crashloop")) this.set("crashloop", "a process keeps exiting: hostctl logs " + this.spec.name);
    else if (states.every((s) => s === "running")) this.set("running");
    else if (states.some((s) => s === "backoff")) this.set("starting", "a process exited and is being restarted");
    else this.deps.onChange();
  }

  annotate(key: string, value: unknown): void {
    this.annotations.set(key, value);
  }

  get litestreamRunning(): boolean {
    return this.litestream?.running ?? false;
  }

  status(): AppStatus {
    const ls = this.litestream?.status();
    return {
      name: this.spec.name,
      kind: this.spec.kind,
      state: this.state,
      reason: this.reason ?? this.replicationDisabled ?? (ls && ls.state !== "running" && this.state === "running" ? "replication is down: Litestream is not running" : undefined),
      next_retry_at: this.nextRetryAt === undefined ? undefined : new Date(this.nextRetryAt).toISOString(),
      release: this.live ? posix.basename(this.live.releaseDir) : undefined,
      data_dir: this.paths.data,
      port: this.spec.port,
      domains: appDomains(this.spec),
      live_port: this.deps.proxy ? this.live?.port : undefined,
      processes: this.live?.status() ?? [],
      litestream: ls ? { ...ls, replicating: ls.state === "running" } : { state: this.replicationDisabled ? "disabled" : "none", replicating: false },
      databases: this.databases,
      ...Object.fromEntries(this.annotations),
    };
  }
}
