import { realpath } from "node:fs/promises";
import type { AppSpec } from "../config/schema.js";
import { appPaths, type AppPaths } from "../config/paths.js";
import type { Timer } from "../lib/clock.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import type { SwitchResult } from "./blue-green.js";
import { AppDatabases } from "./app-databases.js";
import type { UnitDeps } from "./unit-deps.js";
import { appStatus } from "./app-status.js";
import { reportUnshipped, unshippedAt } from "./unshipped.js";

import { LiveRelease } from "./live-release.js";
import { AppLitestream } from "./app-litestream.js";
import type { WriteRoute } from "../proxy/write-route.js";
import { initialLifecycle, transition, type Effect, type Lifecycle, type LifecycleEvent } from "./app-state.js";
import type { AppFacts, AppState, AppStatus } from "./control-protocol.js";

// Restore-on-boot (retried while the replica is unreachable), Litestream, then processes;
// stopped in reverse order so the last writes are shipped.
export class AppUnit {
  readonly paths: AppPaths;

  constructor(
    readonly spec: AppSpec,
    private readonly deps: UnitDeps,
  ) {
    this.paths = appPaths(deps.ctx.paths, spec.name);
    this.life = initialLifecycle(spec.name);
    this.databases = new AppDatabases(spec, deps);
    this.litestream = new AppLitestream(spec, this.paths, {
      ctx: deps.ctx,
      policy: deps.policy,
      graceMs: deps.graceMs,
      hostId: deps.hostId,
      metricsPort: deps.metricsPort,
      onChange: deps.onChange,
      onMetricsPort: (taken) => this.report("litestream_metrics", taken),
    });
    this.release = new LiveRelease({
      ctx: deps.ctx,
      spec,
      paths: this.paths,
      policy: deps.policy,
      graceMs: deps.graceMs,
      proxy: deps.proxy,
      onChange: () => this.apply(this.processEvent()),
      onNoProcesses: () => this.apply({ type: "no_processes" }),
      cancelled: () => this.life.stopping,
    });
  }

  get state(): AppState {
    return this.life.state;
  }

  /** Loopback port of this app's Litestream metrics. */
  get metricsPort(): number | undefined {
    return this.deps.metricsPort;
  }

  get litestreamRunning(): boolean {
    return this.litestream.running;
  }

  /** Kept current from the mount's .primary on a LiteFS replica. */
  get writeRoute(): WriteRoute | undefined {
    return this.databases.writeRoute;
  }

  /** Releases switch blue/green behind the proxy. */
  get blueGreen(): boolean {
    return this.deps.proxy !== undefined;
  }

  /** A web process runs (or is being restarted): the only kind a health check can reach. */
  get hasWeb(): boolean {
    return this.release.hasWeb;
  }

  // Never throws: failures become state and a scheduled retry. A stop waits for it, and it
  // starts nothing once the stop was asked for.
  boot(event: "boot" | "retry_due" = "boot"): Promise<void> {
    if (this.life.shutdown) return Promise.resolve();
    this.booting ??= this.dispatch({ type: event }).finally(() => {
      this.booting = undefined;
    });
    return this.booting;
  }

  /** Processes, then Litestream, after a boot in progress; `hostctl start` boots it again. */
  stop(reason?: string): Promise<void> {
    return this.dispatch({ type: "stop", reason, shutdown: false });
  }

  /** No later boot (a retry, a request) starts anything. */
  shutdown(): Promise<void> {
    return this.dispatch({ type: "stop", reason: undefined, shutdown: true });
  }

  /** Stops replicating for good (another host took the lease); the app keeps serving. */
  stopReplication(reason: string): Promise<void> {
    return this.litestream.disable(reason);
  }

  /** Restarts a Litestream that makes no progress while writes wait (see litestream/stall.ts). */
  async restartLitestream(): Promise<void> {
    if (!this.life.stopping) await this.litestream.restart();
  }

  // Behind the proxy: a fresh set of the live release, then the switch (no dark moment); else
  // stop and boot again.
  async restart(): Promise<SwitchResult | undefined> {
    if (this.canSwitch) return this.restartInPlace();
    await this.stopProcesses();
    await this.boot();
    return undefined;
  }

  /** Every service process of one release directory; behind the proxy a switch. */
  startRelease(releaseDir: string): Promise<void> {
    return this.release.start(releaseDir);
  }

  /** Blue/green: switches to a release started beside the live one (live-release.ts). */
  switchTo(releaseDir: string, afterSwitch?: () => Promise<void>): Promise<SwitchResult | undefined> {
    return this.release.switchTo(releaseDir, afterSwitch);
  }

  stopProcesses(): Promise<void> {
    return this.release.stop();
  }

  // A function is read when status is asked for (the media lag at that moment, not the last
  // round). control-protocol.ts names each fact and its type.
  report<K extends keyof AppFacts>(key: K, value: AppFacts[K] | (() => AppFacts[K])): void {
    if (key === "replication") this.replicationReadAt = this.now();
    this.facts.set(key, typeof value === "function" ? value : () => value);
  }

  status(): AppStatus {
    return appStatus({
      spec: this.spec,
      paths: this.paths,
      life: this.life,
      litestream: this.litestream,
      release: this.release.status(),
      databases: this.databases,
      facts: this.facts,
    });
  }

  // Private

  private life: Lifecycle;
  private readonly databases: AppDatabases;
  private readonly litestream: AppLitestream;
  private readonly release: LiveRelease;
  private retryTimer: Timer | undefined;
  private booting: Promise<void> | undefined;
  private readonly facts = new Map<keyof AppFacts, () => unknown>();
  private replicationReadAt: number | undefined;

  private now(): number {
    return this.deps.ctx.clock.now().getTime();
  }

  private get log() {
    return this.deps.ctx.log.child({ app: this.spec.name });
  }

  /** Applies one event now (synchronously) and returns the effects it asks for. */
  private apply(event: LifecycleEvent): Effect[] {
    const { state, effects } = transition(this.life, event, this.deps.policy);
    this.life = state;
    this.deps.onChange();
    return effects;
  }

  /** Feeds each effect's outcome back in until nothing is left. */
  private async dispatch(first: LifecycleEvent): Promise<void> {
    const queue = [first];
    for (let event = queue.shift(); event; event = queue.shift()) {
      for (const effect of this.apply(event)) {
        const next = await this.run(effect);
        if (next) queue.push(next);
      }
    }
  }

  private async run(effect: Effect): Promise<LifecycleEvent | undefined> {
    switch (effect.type) {
      case "restore":
        return this.restore();
      case "start_litestream":
        return this.attempt(async () => {
          await this.deps.beforeReplicate?.(this.spec, this.databases.restored);
          // Only the primary's Litestream writes the replica target, never a LiteFS replica's.
          if (this.databases.replicates) await this.litestream.start();
          return {
            type: "litestream_started",
            hasRelease: await pathExists(this.paths.current),
            canDeploy: this.deps.firstDeploy !== undefined,
          };
        });
      case "first_deploy":
        return this.attempt(async () => {
          await this.deps.firstDeploy?.(this.spec);
          return { type: "deployed" };
        });
      case "start_processes":
        return this.attempt(() => this.startProcesses());
      case "schedule_retry":
        this.retryTimer = this.deps.ctx.clock.setTimeout(() => {
          this.retryTimer = undefined;
          void this.boot("retry_due");
        }, effect.delayMs);
        return undefined;
      case "cancel_retry":
        this.retryTimer?.cancel();
        this.retryTimer = undefined;
        return undefined;
      case "stop_all": {
        this.litestream.halt();
        if (this.booting) await this.booting;
        await this.stopProcesses();
        // Unshipped at the last lag reading; Litestream's final sync cannot ship it while S3 hangs.
        const unshipped = unshippedAt(
          this.facts.get("replication")?.() as AppFacts["replication"],
          this.replicationReadAt,
          this.now(),
        );
        await this.litestream.stop();
        reportUnshipped(this.deps.ctx.log, this.spec.name, unshipped);
        // Last: the processes and Litestream read the databases through the mount.
        await this.databases.unmount();
        return { type: "stopped", reason: effect.reason };
      }
      case "log":
        this.log[effect.level]({ event: effect.event, ...effect.fields }, effect.message);
        return undefined;
    }
  }

  /** A failed start step leaves the app failed, unretried: the cause is in the release or spec. */
  private async attempt(step: () => Promise<LifecycleEvent | undefined>): Promise<LifecycleEvent | undefined> {
    try {
      return await step();
    } catch (error) {
      return {
        type: "start_failed",
        reason: errorMessage(error),
        ...(error instanceof HostctlError && error.hint ? { hint: error.hint } : {}),
      };
    }
  }

  private async restore(): Promise<LifecycleEvent> {
    try {
      this.deps.beforeRestore?.(this.spec);
      await this.databases.restore(this.log);
      if (!this.life.stopping) await this.deps.afterRestore?.(this.spec, this.databases.restored);
      return { type: "restored" };
    } catch (error) {
      return {
        type: "boot_failed",
        reason: errorMessage(error),
        code: error instanceof HostctlError ? error.code : "INTERNAL",
        now: this.deps.ctx.clock.now().getTime(),
      };
    }
  }

  private async startProcesses(): Promise<LifecycleEvent | undefined> {
    if (this.release.started) {
      // A first deploy activated its release through this unit: its processes already run.
      return this.processEvent();
    }
    if (!(await pathExists(this.paths.current))) return { type: "no_release" };
    await this.startRelease(await realpath(this.paths.current));
    return undefined;
  }

  private processEvent(): LifecycleEvent {
    return { type: "processes", states: this.release.states() };
  }

  /** Behind the proxy a restart is a switch to a fresh set of the live release: no dark moment. */
  private get canSwitch(): boolean {
    return this.deps.proxy !== undefined && this.release.releaseDir !== undefined && this.state === "running";
  }

  private async restartInPlace(): Promise<SwitchResult | undefined> {
    const dir = this.release.releaseDir;
    if (!dir) throw new Error("internal: restartInPlace without a live release");
    return this.switchTo(dir);
  }
}
