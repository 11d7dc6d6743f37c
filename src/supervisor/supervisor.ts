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

/** The apps on disk whose app.yml passed its checks, with their Litestream metrics ports. */
export interface LoadedApps {
  apps: AppSpec[];
  ports: Record<string, number | undefined>;
}

function memory(): { rss_mb: number; heap_mb: number } {
  const usage = process.memoryUsage();
  return { rss_mb: Math.round(usage.rss / 1e5) / 10, heap_mb: Math.round(usage.heapUsed / 1e5) / 10 };
}

// Each boot and shutdown step is a public method that `hostctl up` calls in order.
export class Supervisor {
  readonly routes = new ControlRoutes({ name: assertAppName });
  /** Operations on one app run one at a time (app-queue.ts). */
  readonly queue = new AppQueue();

  constructor(
    readonly ctx: HostContext,
    readonly options: SupervisorOptions,
  ) {}

  // Boot steps, in the order `up` calls them.

  /** Ends what a crashed predecessor left running (run/pids/). */
  async endStrays(): Promise<void> {
    for (const stray of await endStrays(this.ctx.paths.pids, this.options.graceMs))
      this.ctx.log.warn(
        { event: "supervisor.stray_ended", app: stray.app, process: stray.type, pid: stray.pid },
        "ended a process left by a previous supervisor",
      );
  }

  /** An invalid app.yml is shown failed, never started. */
  async loadApps(): Promise<LoadedApps> {
    const { ctx } = this;
    const { apps, invalid } = await scanApps(ctx.paths);
    for (const { name, error } of invalid) {
      this.invalid.set(name, errorMessage(error));
      ctx.log.error(
        { event: "app.spec_invalid", app: name, reason: errorMessage(error) },
        "app.yml fails its checks: the app is not started",
      );
    }
    await writeLitestreamConfigs(ctx.paths, ctx.host, apps, { engine: engineOf(ctx) });
    return { apps, ports: await readMetricsPorts(ctx.paths) };
  }

  /** Caddy in front of the apps, when hostctl.yml configures it and the binary is there. */
  async startFrontDoor(): Promise<void> {
    const { ctx } = this;
    const { policy, graceMs } = this.options;
    const proxy = await startFrontDoor(
      ctx,
      { log: ctx.log, pidsDir: ctx.paths.pids, policy, graceMs, clock: ctx.clock },
      () => frontDoorView(this.units.values()),
    );
    this.frontDoor = proxy.door;
    this.proxyReason = proxy.reason;
    if (proxy.reason) ctx.log.warn({ event: "proxy.off", reason: proxy.reason }, proxy.reason);
  }

  /** One unit per app (nothing starts yet) and the apps' control routes. */
  superviseApps({ apps, ports }: LoadedApps): void {
    for (const spec of apps) this.createUnit(spec, ports[spec.name]);
    serveAppRoutes(this);
  }

  // An app loop hears of every app, now and added later; every loop stops before the apps do.
  attach(loop: Loop | AppLoop<AppUnit>): void {
    if (isAppLoop(loop)) for (const unit of this.units.values()) loop.add(unit);
    this.loops.push(loop);
    loop.start();
  }

  addStatus(extra: () => HostFacts): void {
    this.statusExtras.push(extra);
  }

  /** The control socket (0600), and /metrics on TCP when hostctl.yml asks for it. */
  async serveControl(): Promise<void> {
    const { ctx } = this;
    this.servers.push(await listenControl(ctx.paths.socket, this.routes));
    if (ctx.host.metrics.listen)
      this.servers.push(await listenTcp(ctx.host.metrics.listen, this.routes.only(routeSpec("metrics"))));
  }

  /** Boots every app, `bootConcurrency` at a time, without waiting for them. */
  bootApps(): void {
    const apps = [...this.units.keys()];
    this.ctx.log.info({ event: "supervisor.started", apps, socket: this.ctx.paths.socket }, "supervisor started");
    // boot() never throws, so one app's failure never holds the others back.
    void forEachLimit([...this.units.values()], this.options.bootConcurrency, (unit) => unit.boot());
  }

  // Stopping.

  /** As SIGTERM does (`up` exits with exitCode if given); pending boots end early. */
  requestStop(reason: string, exitCode?: number): void {
    if (exitCode !== undefined) this.requestedExit = exitCode;
    if (this.stopping.signal.aborted) return;
    this.ctx.log.info({ event: "supervisor.stopping", signal: reason }, "stopping: apps first, then Litestream");
    this.stopping.abort();
  }

  /** Aborted once a stop is requested. */
  get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Resolves once a stop is requested. */
  async stopped(): Promise<void> {
    if (!this.stopping.signal.aborted)
      await new Promise((resolve) => this.stopping.signal.addEventListener("abort", resolve, { once: true }));
  }

  /** What `up` exits with: 0, or the code of a stop requested with one (even while stopping). */
  get exitCode(): number {
    return this.requestedExit;
  }

  /** The features' loops end, in the order they were attached. */
  async stopLoops(): Promise<void> {
    for (const loop of this.loops) await loop.stop();
  }

  /** Every app stops its processes first and its Litestream last; apps stop in parallel. */
  async stopApps(): Promise<void> {
    await Promise.all([...this.units.values()].map((unit) => unit.shutdown()));
  }

  /** After the apps have drained: until then Caddy answers 503 rather than refusing. */
  async stopFrontDoor(): Promise<void> {
    await this.frontDoor?.stop();
  }

  /** The control socket and /metrics close, then the replica store's connections. */
  async closeControl(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.ctx.store.close();
  }

  // While running.

  // Set once another host took the lease: replication stopped, and nothing else (registry, polled
  // deploys, media) may write the replica target either.
  get fenced(): string | undefined {
    return this.fencedBy;
  }

  /** Every app stops replicating for good but keeps serving. */
  fence(reason: string): void {
    this.fencedBy = reason;
    for (const unit of this.units.values()) void unit.stopReplication(reason);
  }

  /** The supervised apps, by name. */
  get units(): ReadonlyMap<string, AppUnit> {
    return this.byName;
  }

  unit(name: string): AppUnit {
    const unit = this.units.get(name);
    if (!unit) throw usageError(`no app named "${name}" is supervised`, "run: hostctl status");
    return unit;
  }

  // The spec and Litestream config are already on disk; the other apps are untouched.
  async loadApp(name: string): Promise<AppUnit> {
    if (this.stopping.signal.aborted) throw new HostctlError("SUPERVISOR_NOT_RUNNING", "the supervisor is stopping");
    if (this.fenced) throw new HostctlError("LEASE_LOST", this.fenced);
    const existing = this.units.get(name);
    if (existing) return existing;
    const spec = await loadAppSpec(this.ctx.paths, name);
    const unit = this.createUnit(spec, (await readMetricsPorts(this.ctx.paths))[name]);
    this.ctx.log.info({ event: "app.loaded", app: name }, "app added while running: supervising it");
    for (const loop of this.loops) if (isAppLoop(loop)) loop.add(unit);
    void unit.boot();
    return unit;
  }

  /** Processes, then Litestream, then the app is forgotten. */
  async unloadApp(name: string): Promise<void> {
    const unit = this.units.get(name);
    if (!unit) return;
    await unit.stop();
    this.byName.delete(name);
    this.frontDoor?.refresh();
    for (const loop of this.loops) if (isAppLoop(loop)) loop.remove(name);
    this.ctx.log.info({ event: "app.unloaded", app: name }, "app removed: stopped and no longer supervised");
  }

  /** An app whose app.yml failed its checks at boot, not supervised since. */
  isInvalid(name: string): boolean {
    return this.invalid.has(name) && !this.units.has(name);
  }

  /** `hostctl restart` checked the fixed app.yml: supervise it now, as when added. */
  reloadInvalid(name: string): Promise<AppUnit> {
    this.invalid.delete(name);
    return this.loadApp(name);
  }

  /** POST /apps/:name/activate: switches the app to a release under releases/ (activate.ts). */
  async activate(name: string, releaseDir: string): Promise<ActivateResult> {
    if (!isInside(this.unit(name).paths.releases, releaseDir))
      throw usageError(`activate: releaseDir must lie in apps/${name}/releases`);
    if (!this.options.hooks) throw new HostctlError("SUPERVISOR_NOT_RUNNING", "this supervisor cannot switch releases");
    return activateRelease(this.unit(name), releaseDir, this.provenHooks(this.options.hooks));
  }

  status(): SupervisorStatus {
    return {
      supervisor: {
        pid: process.pid,
        started_at: this.startedAt.toISOString(),
        home: this.ctx.paths.home,
        host: hostname(),
        ...memory(),
      },
      apps: [
        ...[...this.units.values()].map((u) => u.status()),
        ...[...this.invalid].map(([name, reason]) => invalidAppStatus(this.ctx.paths, name, reason)),
      ],
      proxy: this.frontDoor?.status() ?? { state: "off", reason: this.proxyReason },
      ...(Object.assign({}, ...this.statusExtras.map((f) => f())) as HostFacts),
    };
  }

  // Private

  private readonly startedAt = new Date();
  /** Names this process in the "has replicated" markers. */
  private readonly hostId = `${hostname()}:${process.pid}`;
  private readonly byName = new Map<string, AppUnit>();
  /** Shown failed with the reason, never started; restart loads them once fixed. */
  private readonly invalid = new Map<string, string>();
  private readonly loops: (Loop | AppLoop<AppUnit>)[] = [];
  private readonly statusExtras: (() => HostFacts)[] = [];
  private readonly servers: Server[] = [];
  private readonly stopping = new AbortController();
  private requestedExit = 0;
  private fencedBy: string | undefined;
  private frontDoor: FrontDoor | undefined;
  private proxyReason: string | undefined;

  private createUnit(spec: AppSpec, metricsPort: number | undefined): AppUnit {
    const { hooks, appSteps = {} } = this.options;
    const { firstDeploy, ...steps } = appSteps;
    const activate = hooks
      ? (releaseDir: string) => activateRelease(unit, releaseDir, this.provenHooks(hooks))
      : undefined;
    const unit: AppUnit = new AppUnit(spec, {
      ctx: this.ctx,
      policy: this.options.policy,
      graceMs: this.options.graceMs,
      hostId: this.hostId,
      metricsPort,
      ...(firstDeploy ? { firstDeploy: (s: AppSpec) => firstDeploy(s, activate) } : {}),
      ...steps,
      ...(this.frontDoor ? { proxy: unitProxy(this.frontDoor, hooks?.healthCheck) } : {}),
      onChange: () => this.frontDoor?.refresh(),
    });
    this.byName.set(spec.name, unit);
    return unit;
  }

  /** A health check's answer must come from the web this unit started, not a stray on its port. */
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
}
