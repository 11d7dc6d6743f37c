import { hostname } from "node:os";
import { forEachLimit } from "../lib/pool.js";
import { isAppLoop, type AppLoop, type Loop } from "../lib/loop.js";
import { engineOf } from "../litestream/select.js";
import type { Server } from "node:http";
import type { HostContext } from "../host/context.js";
import { scanApps } from "../apps/registry.js";
import { invalidAppStatus } from "./invalid-app.js";
import { AppQueue } from "./app-queue.js";
import { proveListener } from "./prove-listener.js";
import { serveAppRoutes } from "./app-routes.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";
import { readMetricsPorts } from "../litestream/ports.js";
import { loadAppSpec } from "../config/app.js";
import { HostctlError, errorMessage, usageError } from "../lib/errors.js";
import { AppUnit } from "./app-unit.js";
import { routeSpec, type ActivateResult, type HostFacts, type SupervisorStatus } from "./control-protocol.js";
import { ControlRoutes, listenControl, listenTcp } from "./control-server.js";
import { assertAppName } from "../config/app-name.js";
import { isInside } from "../lib/safe-path.js";
import { endStrays } from "./process-records.js";
import { activateRelease, type ReleaseHooks } from "./activate.js";
import type { SupervisorOptions } from "./supervisor-options.js";
import type { AppSpec } from "../config/schema.js";
import { startFrontDoor, type FrontDoor } from "../proxy/front-door.js";
import { frontDoorView, unitProxy } from "./front-door-link.js";

function memory(): { rss_mb: number; heap_mb: number } {
  const usage = process.memoryUsage();
  return { rss_mb: Math.round(usage.rss / 1e5) / 10, heap_mb: Math.round(usage.heapUsed / 1e5) / 10 };
}

export class Supervisor {
  readonly units = new Map<string, AppUnit>();
  readonly routes = new ControlRoutes({ name: assertAppName });
  /** Start, stop, restart, activate, load and unload of one app run one at a time (app-queue.ts). */
  readonly queue = new AppQueue();
  readonly startedAt = new Date();
  readonly hostId = `${hostname()}:${process.pid}`;
  private fencedBy: string | undefined;
  /** Aborted when a stop is requested: waits before the apps start (a registry retry) end early. */
  readonly stopping = new AbortController();
  /** Apps whose app.yml fails its checks: shown failed with the reason, never started (restart loads them once fixed). */
  readonly invalid = new Map<string, string>();
  private readonly servers: Server[] = [];
  private starting: Promise<void> | undefined;
  /** Caddy in front of the apps, when hostctl.yml configures it and the binary is there. */
  frontDoor: FrontDoor | undefined;
  private proxyReason: string | undefined;
  private readonly stopHooks: (() => Promise<void> | void)[] = [];
  private readonly afterStopHooks: (() => Promise<void> | void)[] = [];
  private statusExtras: (() => HostFacts)[] = [];
  private readonly unitListeners: { added: (unit: AppUnit) => void; removed: (name: string) => void }[] = [];

  /** Stops the supervisor as SIGTERM does, `up` then exiting with exitCode (set by runSupervisor). */
  requestStop: (reason: string, exitCode: number) => void = () => undefined;

  constructor(
    readonly ctx: HostContext,
    readonly options: SupervisorOptions,
  ) {}

  /**
   * Set when this host must no longer write to the replica target (another host took the lease): replication
   * has stopped, and nothing else (registry copies, deploys by polling, media sync) may write there either.
   */
  get fenced(): string | undefined {
    return this.fencedBy;
  }

  /** Another host took the lease: every app stops replicating for good (it keeps serving), and stays fenced. */
  fence(reason: string): void {
    this.fencedBy = reason;
    for (const unit of this.units.values()) void unit.stopReplication(reason);
  }

  /**
   * Runs a feature's loop while the supervisor runs: an app loop hears of every app (now and added later),
   * and every loop stops when the supervisor does, before the apps.
   */
  attach(loop: Loop | AppLoop<AppUnit>): void {
    if (isAppLoop(loop)) {
      for (const unit of this.units.values()) loop.add(unit);
      this.onUnits({ added: (unit) => loop.add(unit), removed: (name) => loop.remove(name) });
    }
    loop.start();
    this.onStop(() => loop.stop());
  }

  unit(name: string): AppUnit {
    const unit = this.units.get(name);
    if (!unit) throw usageError(`no app named "${name}" is supervised`, "run: hostctl status");
    return unit;
  }

  onStop(hook: () => Promise<void> | void): void {
    this.stopHooks.push(hook);
  }

  /** Runs once every app and its Litestream have stopped (final media sync, lease release). */
  afterStop(hook: () => Promise<void> | void): void {
    this.afterStopHooks.push(hook);
  }

  /** Features that keep per-app work (polling, drill schedules) hear of apps loaded or unloaded while `up` runs. */
  onUnits(listener: { added: (unit: AppUnit) => void; removed: (name: string) => void }): void {
    this.unitListeners.push(listener);
  }

  private createUnit(spec: AppSpec, metricsPort: number | undefined): AppUnit {
    const { ctx } = this;
    const { firstDeploy, hooks } = this.options;
    const activate = hooks ? (releaseDir: string) => activateRelease(unit, releaseDir, this.provenHooks(hooks)) : undefined;
    const unit: AppUnit = new AppUnit(spec, {
      ctx,
      policy: this.options.policy,
      graceMs: this.options.graceMs,
      hostId: this.hostId,
      metricsPort,
      ...(firstDeploy ? { firstDeploy: (s: AppSpec) => firstDeploy(s, activate) } : {}),
      ...(this.options.earlyRestore ? { earlyRestore: this.options.earlyRestore } : {}),
      ...(this.options.beforeRestore ? { beforeRestore: this.options.beforeRestore } : {}),
      ...(this.options.afterRestore ? { afterRestore: this.options.afterRestore } : {}),
      ...(this.options.beforeReplicate ? { beforeReplicate: this.options.beforeReplicate } : {}),
      ...(this.frontDoor ? { proxy: unitProxy(this.frontDoor, this.options.hooks?.healthCheck) } : {}),
      onChange: () => this.frontDoor?.refresh(),
    });
    this.units.set(spec.name, unit);
    return unit;
  }

  /**
   * `hostctl app add` while `up` runs: the app's spec and Litestream config are on disk; supervise it now
   * (restore, Litestream, first deploy, processes) without touching the other apps.
   */
  async loadApp(name: string): Promise<AppUnit> {
    if (this.stopping.signal.aborted) throw new HostctlError("SUPERVISOR_NOT_RUNNING", "the supervisor is stopping");
    if (this.fenced) throw new HostctlError("LEASE_LOST", this.fenced);
    const existing = this.units.get(name);
    if (existing) return existing;
    const spec = await loadAppSpec(this.ctx.paths, name);
    const unit = this.createUnit(spec, (await readMetricsPorts(this.ctx.paths))[name]);
    this.ctx.log.info({ event: "app.loaded", app: name }, "app added while running: supervising it");
    for (const listener of this.unitListeners) listener.added(unit);
    void unit.boot();
    return unit;
  }

  /** `hostctl app remove` while `up` runs: stop the app (processes, then Litestream) and forget it. */
  async unloadApp(name: string): Promise<void> {
    const unit = this.units.get(name);
    if (!unit) return;
    await unit.stop();
    this.units.delete(name);
    this.frontDoor?.refresh();
    for (const listener of this.unitListeners) listener.removed(name);
    this.ctx.log.info({ event: "app.unloaded", app: name }, "app removed: stopped and no longer supervised");
  }

  /** A health check that answered must have reached the web process this unit started, not a stray on its port. */
  private provenHooks(hooks: ReleaseHooks): ReleaseHooks {
    return {
      ...hooks,
      healthCheck: async (spec) => {
        await hooks.healthCheck(spec);
        const web = this.units
          .get(spec.name)
          ?.status()
          .processes.find((p) => p.type === "web")?.pid;
        await proveListener(spec.port, web);
      },
    };
  }

  addStatus(extra: () => HostFacts): void {
    this.statusExtras.push(extra);
  }

  status(): SupervisorStatus {
    return {
      supervisor: { pid: process.pid, started_at: this.startedAt.toISOString(), home: this.ctx.paths.home, host: hostname(), ...memory() },
      apps: [
        ...[...this.units.values()].map((u) => u.status()),
        ...[...this.invalid].map(([name, reason]) => invalidAppStatus(this.ctx.paths, name, reason)),
      ],
      proxy: this.frontDoor?.status() ?? { state: "off", reason: this.proxyReason },
      ...(Object.assign({}, ...this.statusExtras.map((f) => f())) as HostFacts),
    };
  }

  /** POST /apps/:name/activate: switches the app to a release under releases/ (activate.ts). */
  async activate(name: string, releaseDir: string): Promise<ActivateResult> {
    if (!isInside(this.unit(name).paths.releases, releaseDir)) throw usageError(`activate: releaseDir must lie in apps/${name}/releases`);
    if (!this.options.hooks) throw new HostctlError("SUPERVISOR_NOT_RUNNING", "this supervisor cannot switch releases");
    return activateRelease(this.unit(name), releaseDir, this.provenHooks(this.options.hooks));
  }

  async start(): Promise<void> {
    this.starting = this.startAll();
    await this.starting;
  }

  private async startAll(): Promise<void> {
    const { ctx } = this;
    const strays = await endStrays(ctx.paths.pids, this.options.graceMs);
    for (const stray of strays)
      ctx.log.warn(
        { event: "supervisor.stray_ended", app: stray.app, process: stray.type, pid: stray.pid },
        "ended a process left by a previous supervisor",
      );
    await this.options.beforeStart?.(this);
    if (this.stopping.signal.aborted) return;
    const { apps, invalid } = await scanApps(ctx.paths);
    for (const { name, error } of invalid) {
      this.invalid.set(name, errorMessage(error));
      ctx.log.error(
        { event: "app.spec_invalid", app: name, reason: errorMessage(error) },
        "app.yml fails its checks: the app is not started",
      );
    }
    await writeLitestreamConfigs(ctx.paths, ctx.host, apps, { engine: engineOf(ctx) });
    const ports = await readMetricsPorts(ctx.paths);
    if (this.stopping.signal.aborted) return;
    const proxy = await startFrontDoor(
      ctx,
      { log: ctx.log, pidsDir: ctx.paths.pids, policy: this.options.policy, graceMs: this.options.graceMs, clock: ctx.clock },
      () => frontDoorView(this.units.values()),
    );
    this.frontDoor = proxy.door;
    this.proxyReason = proxy.reason;
    if (proxy.reason) ctx.log.warn({ event: "proxy.off", reason: proxy.reason }, proxy.reason);
    for (const spec of apps) this.createUnit(spec, ports[spec.name]);
    serveAppRoutes(this);
    await this.options.extend?.(this);
    this.servers.push(await listenControl(ctx.paths.socket, this.routes));
    if (ctx.host.metrics.listen) this.servers.push(await listenTcp(ctx.host.metrics.listen, this.routes.only(routeSpec("metrics"))));
    ctx.log.info({ event: "supervisor.started", apps: apps.map((a) => a.name), socket: ctx.paths.socket }, "supervisor started");
    // boot() never throws (failures become state), so one app's failure never holds the others back.
    void forEachLimit([...this.units.values()], this.options.bootConcurrency, (unit) => unit.boot());
  }

  /** Every app stops its processes first and its Litestream last; apps stop in parallel. */
  async stop(): Promise<void> {
    this.stopping.abort();
    // What a start in flight still starts (Caddy, units, the control socket) is stopped below, not after.
    await this.starting?.catch(() => undefined);
    for (const hook of this.stopHooks) await hook();
    await Promise.all([...this.units.values()].map((unit) => unit.shutdown()));
    // The proxy goes after the apps have drained: until then it answers 503 rather than refusing.
    await this.frontDoor?.stop();
    for (const hook of this.afterStopHooks) await hook();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.ctx.store.close();
  }
}
