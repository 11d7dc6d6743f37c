import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import { staticRoot } from "../apps/process-env.js";
import type { ProxyConfig } from "../config/proxy-schema.js";
import { errorMessage } from "../lib/errors.js";
import { parseDuration } from "../lib/duration.js";
import type { ChildDeps } from "../supervisor/supervised-process.js";
import type { ProxyStatus } from "../supervisor/control-protocol.js";
import { buildCaddyConfig, type AppDown, type ProxyApp } from "./caddy-config.js";
import type { WriteRoute } from "./write-route.js";
import { statusSocketPath } from "../status-page/socket.js";
import { probeCaddy, type CaddyBinary } from "./caddy-binary.js";
import { CaddyProcess, caddyPaths } from "./caddy-process.js";
import { CaddyWatch, probeAddress, probeFrontDoor, watchOptions } from "./caddy-watch.js";
import { discardUnusablePairs, storedCertificates, waitForIssuance } from "./stored-certificates.js";
import { ensureListenerHandover, type ListenerHandover } from "./listener-handover.js";
import { UpstreamRelay } from "./upstream-relay.js";
import { pointStaticLink, staticLinkPath } from "./static-link.js";
import { assignInternalPorts, readInternalPorts, writeInternalPorts, type InternalPorts } from "./internal-ports.js";

const DRAIN_POLL_MS = 20;
/** How long a refused load waits for Caddy to finish writing a certificate before re-checking. */
const ISSUANCE_WAIT_MS = 15_000;
/** Caddy's answer when a stored certificate and key are not a pair (see discardUnusablePairs). */
const CROSSED_PAIR = /private key does not match public key/;

/** What the front door needs to know of an app at one moment. */
export interface AppView {
  name: string;
  domains: string[];
  port: number;
  mediaDir: string;
  /** false while restoring, waiting, stopped, failed or crash-looping: the proxy answers 503. */
  serving: boolean;
  /** What its 503 page says while it is not serving. */
  down?: AppDown;
  /** A LiteFS replica's route for writes to the primary. */
  writes?: WriteRoute;
}

// Each app's stable upstream (upstream-relay.ts) lets a switch change the live port without a
// config load.
export class FrontDoor {
  private ports: InternalPorts = {};
  private readonly live = new Map<string, { port: number; releaseDir: string }>();
  private loaded = "";
  private stored: { certificate: string; key: string }[] = [];
  private pushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly relay: UpstreamRelay;
  private watch: CaddyWatch | undefined;

  constructor(
    private readonly ctx: HostContext,
    readonly proxy: ProxyConfig,
    private readonly caddy: CaddyProcess,
    private readonly view: () => AppView[],
    /** Whether Caddy's reloads (config changes) keep queued connections (listener-handover.ts). */
    readonly handover: ListenerHandover,
  ) {
    this.relay = new UpstreamRelay(join(caddy.paths.runDir, "upstreams"), parseDuration(proxy.try_duration) ?? 10_000);
  }

  async start(): Promise<void> {
    await this.assignPorts();
    // Caddy is not running: nothing writes its storage, so a crossed pair there is one for good.
    await this.discardUnusable();
    const config = this.config();
    try {
      await this.caddy.start(config, () => this.restartConfig());
    } catch (error) {
      await this.caddy.stop();
      throw error;
    }
    this.loaded = JSON.stringify(config);
    this.watch = this.startWatch();
  }

  /** A stalled Caddy never exits: it is probed and killed to be restarted (caddy-watch.ts). */
  private startWatch(): CaddyWatch {
    const caddy = this.caddy;
    const watch = new CaddyWatch({
      clock: this.ctx.clock,
      log: this.ctx.log,
      probe: (timeoutMs) => probeFrontDoor(caddy.paths.socket, probeAddress(this.proxy), timeoutMs),
      pid: () => caddy.status().pid,
      kill: (pid) => process.kill(pid, "SIGKILL"),
      options: watchOptions(this.ctx.env),
    });
    watch.start();
    return watch;
  }

  /** Pairs for every app now supervised (an app added while `up` runs gets one too). */
  async assignPorts(): Promise<void> {
    this.ports = assignInternalPorts(
      this.proxy.internal_port_base,
      this.view().map((a) => a.name),
      await readInternalPorts(this.ctx.paths),
    );
    await writeInternalPorts(this.ctx.paths, this.ports);
  }

  private config(): Record<string, unknown> {
    const apps: ProxyApp[] = this.view().map((app) => {
      const live = this.live.get(app.name);
      return {
        name: app.name,
        domains: app.domains,
        port: app.port,
        mediaDir: app.mediaDir,
        upstream: app.serving && live ? `unix/${this.relay.socketPath(app.name)}` : undefined,
        staticDir: live ? staticLinkPath(this.staticDir(), app.name) : undefined,
        ...(app.down ? { down: app.down } : {}),
        ...(app.writes ? { writes: app.writes } : {}),
      };
    });
    return buildCaddyConfig({
      proxy: this.proxy,
      adminSocket: this.caddy.paths.socket,
      storageDir: this.caddy.paths.storage,
      apps,
      legacyBuffers: this.caddy.binary.legacyBuffers,
      storedCertificates: this.stored,
      ...(this.proxy.status
        ? { statusPage: { domain: this.proxy.status.domain, socket: statusSocketPath(this.ctx.paths) } }
        : {}),
    });
  }

  /** The port of its pair that is not live. */
  async idlePort(app: string): Promise<number> {
    if (!this.ports[app]) await this.assignPorts();
    const pair = this.ports[app]?.ports;
    if (!pair) throw new Error(`internal: no internal ports for ${app}`);
    return this.live.get(app)?.port === pair[0] ? pair[1] : pair[0];
  }

  livePort(app: string): number | undefined {
    return this.live.get(app)?.port;
  }

  // Caddy's config is loaded only when the app's routes change (first release, or after a 503).
  // Resolves the milliseconds taken.
  async switchTo(app: string, port: number, releaseDir: string): Promise<number> {
    const started = Date.now();
    const routesChange = !this.live.has(app);
    await this.relay.socketFor(app);
    await pointStaticLink(this.staticDir(), app, staticRoot(releaseDir));
    this.relay.point(app, port);
    this.live.set(app, { port, releaseDir });
    const entry = this.ports[app];
    if (entry) {
      entry.live = port;
      await writeInternalPorts(this.ctx.paths, this.ports);
    }
    // Not on every switch: a load takes in whatever else changed (a certificate stored since).
    if (routesChange) await this.push();
    return Date.now() - started;
  }

  // Resolves when nothing relayed to the port is open (none opens after a switch) or on timeout;
  // only then does the old web process get SIGTERM and close its listener.
  async waitUpstreamIdle(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.relay.connectionsTo(port) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }

  /** The app has no running release any more: the proxy answers 503 for it. */
  forget(app: string): void {
    this.relay.point(app, undefined);
    this.live.delete(app);
    this.refresh();
  }

  /** Serialized; identical configs are not sent. */
  refresh(): void {
    void this.push().catch((error: unknown) =>
      this.ctx.log.error(
        { event: "proxy.load_failed", reason: errorMessage(error) },
        "could not update the proxy config",
      ),
    );
  }

  private push(): Promise<void> {
    const next = this.pushing.then(async () => {
      if (this.stopped) return;
      try {
        await this.loadIfChanged();
      } catch (error) {
        if (!CROSSED_PAIR.test(errorMessage(error))) throw error;
        // A pair read mid-write, or stored crossed: once no issuance runs, the
        // latter is removed and the config loaded once more.
        await waitForIssuance(this.caddy.paths.storage, this.domains(), ISSUANCE_WAIT_MS);
        await this.discardUnusable();
        await this.loadIfChanged();
      }
    });
    this.pushing = next.catch(() => undefined);
    return next;
  }

  // A config file naming a pair crossed since would be refused on every restart. With Caddy down
  // nothing writes its storage, so an unusable pair goes for good. Serialized with the loads.
  private restartConfig(): Promise<unknown> {
    const next = this.pushing.then(async () => {
      await this.discardUnusable();
      const config = await this.currentConfig();
      this.loaded = JSON.stringify(config);
      return config;
    });
    this.pushing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** The config for the apps' state now, with the sound pairs Caddy's storage holds now. */
  private async currentConfig(): Promise<Record<string, unknown>> {
    if (this.proxy.tls !== "off") this.stored = await storedCertificates(this.caddy.paths.storage, this.domains());
    return this.config();
  }

  private async loadIfChanged(): Promise<void> {
    // With the last load's pairs: a certificate stored since is cached already, and a load would
    // close the idle connections clients keep.
    if (JSON.stringify(this.config()) === this.loaded) return;
    const config = await this.currentConfig();
    const text = JSON.stringify(config);
    if (text === this.loaded) return;
    await this.caddy.load(config);
    this.loaded = text;
    // Caddy dials no removed app's socket any more.
    this.relay.retain(new Set(this.view().map((a) => a.name)));
  }

  private domains(): string[] {
    return [...this.view().flatMap((a) => a.domains), ...(this.proxy.status ? [this.proxy.status.domain] : [])];
  }

  private async discardUnusable(): Promise<void> {
    if (this.proxy.tls === "off") return;
    const discarded = await discardUnusablePairs(this.caddy.paths.storage, this.domains());
    if (discarded.length > 0)
      this.ctx.log.warn(
        { event: "proxy.certificate_discarded", storage: this.caddy.paths.storage, folders: discarded },
        "removed a stored certificate whose key is not its own; Caddy issues a new one",
      );
  }

  /** After the apps have drained: the proxy goes last. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.stop();
    await this.pushing;
    await this.caddy.stop();
    await this.relay.close();
  }

  private staticDir(): string {
    return join(this.caddy.paths.runDir, "static");
  }

  status(): ProxyStatus {
    const caddy = this.caddy.status();
    const servers =
      (JSON.parse(this.loaded || "{}") as { apps?: { http?: { servers?: Record<string, { listen?: string[] }> } } })
        .apps?.http?.servers ?? {};
    const health = this.watch?.status();
    return {
      state: health?.unanswered_probes ? "unresponsive" : caddy.state,
      ...(health?.last_probe_error
        ? { reason: `no answer to ${health.unanswered_probes} probe(s): ${health.last_probe_error}` }
        : {}),
      ...health,
      pid: caddy.pid,
      restarts: caddy.restarts,
      caddy_version: caddy.version,
      config_version: caddy.config_version,
      admin_socket: caddy.socket,
      tls: this.proxy.tls,
      listener_handover: this.handover.state,
      listeners: Object.values(servers).flatMap((s) => s.listen ?? []),
      apps: Object.fromEntries(
        this.view().map((a) => [
          a.name,
          { domains: a.domains, live_port: this.livePort(a.name), ports: this.ports[a.name]?.ports },
        ]),
      ),
    };
  }
}

// Without a proxy section or a caddy binary apps serve on their own ports; the reason is logged
// and returned for status.
export async function startFrontDoor(
  ctx: HostContext,
  deps: ChildDeps,
  view: () => AppView[],
): Promise<{ door?: FrontDoor; reason?: string }> {
  const proxy = ctx.host.proxy;
  if (!proxy) return { reason: "no proxy configured (hostctl init --tls …): apps serve on their own ports" };
  let binary: CaddyBinary | undefined;
  try {
    binary = await probeCaddy(ctx.run, proxy.caddy, ctx.env.PATH);
  } catch (error) {
    return { reason: `caddy (${proxy.caddy}) does not run: ${errorMessage(error)}; apps serve on their own ports` };
  }
  if (!binary)
    return {
      reason: `no caddy binary (${proxy.caddy}) found: apps serve on their own ports (install it: apt-get install caddy)`,
    };
  const handover = await ensureListenerHandover();
  const handoverLog = { event: "proxy.listener_handover", state: handover.state };
  if (handover.state === "on") ctx.log.debug(handoverLog, handover.detail);
  else if (handover.state === "turned_on") ctx.log.info(handoverLog, handover.detail);
  else ctx.log.warn(handoverLog, handover.detail);
  const door = new FrontDoor(ctx, proxy, new CaddyProcess(binary, caddyPaths(ctx.paths), deps), view, handover);
  try {
    await door.start();
  } catch (error) {
    // Apps (and their Litestream) still start, on their own ports, until the next `up`.
    return {
      reason: `Caddy did not start (${errorMessage(error)}): apps serve on their own ports; run: hostctl doctor`,
    };
  }
  ctx.log.info(
    { event: "proxy.started", caddy: binary.path, version: binary.version, tls: proxy.tls },
    "front door (Caddy) started",
  );
  return { door };
}
