import { posix } from "node:path";
import type { HostContext } from "../host/context.js";
import { releaseProcesses, serviceProcesses } from "../apps/procfile.js";
import { releaseProcessEnv } from "../apps/release-env.js";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { BackoffPolicy } from "./backoff.js";
import { switchRelease, type SwitchResult, type UnitProxy } from "./blue-green.js";
import type { ProcessStatus } from "./control-protocol.js";
import type { ProcessState } from "./supervised-process.js";
import { ReleaseProcessSet } from "./release-set.js";

export interface LiveReleaseDeps {
  ctx: HostContext;
  spec: AppSpec;
  paths: AppPaths;
  policy: BackoffPolicy;
  graceMs: number;
  /** When Caddy runs, releases start on internal ports and switch blue/green. */
  proxy: UnitProxy | undefined;
  /** A process of the live set changed state, or another set became live. */
  onChange: () => void;
  /** The release has no service process to start. */
  onNoProcesses: () => void;
  /** A stop was asked for: the rest of a set is not started. */
  cancelled: () => boolean;
}

// Started on the app's port, or behind the proxy switched blue/green on the idle internal port.
export class LiveRelease {
  /** The live web process's listener beyond loopback (blue-green.ts), shown in status. */
  private exposed: { port: number; warning: string } | undefined;
  private live: ReleaseProcessSet | undefined;

  constructor(private readonly deps: LiveReleaseDeps) {}

  /** Processes of a release already run (a first deploy activated it through this unit). */
  get started(): boolean {
    return this.live !== undefined && this.live.size > 0;
  }

  get releaseDir(): string | undefined {
    return this.live?.releaseDir;
  }

  /** A web process runs (or is being restarted): the only kind a health check can reach. */
  get hasWeb(): boolean {
    return this.live?.hasWeb ?? false;
  }

  states(): ProcessState[] {
    return this.live?.states() ?? [];
  }

  status(): {
    release: string | undefined;
    live_port: number | undefined;
    processes: ProcessStatus[];
    exposed?: string;
  } {
    return {
      release: this.live ? posix.basename(this.live.releaseDir) : undefined,
      live_port: this.deps.proxy ? this.live?.port : undefined,
      processes: this.live?.status() ?? [],
      ...(this.exposed && this.live?.port === this.exposed.port ? { exposed: this.exposed.warning } : {}),
    };
  }

  // Absolute path, never through `current`. Behind the proxy even the first start at boot is a
  // switch; a failed health check throws.
  async start(releaseDir: string): Promise<void> {
    if (this.deps.proxy) {
      await this.switchTo(releaseDir);
      return;
    }
    const set = await this.startSet(releaseDir, this.deps.spec.port);
    if (set) this.live = set;
    this.deps.onChange();
  }

  /** Not live yet; undefined (and the app failed) when the release has no processes. */
  private async startSet(releaseDir: string, port: number): Promise<ReleaseProcessSet | undefined> {
    const { ctx, spec, paths } = this.deps;
    const processes = serviceProcesses(await releaseProcesses(spec, releaseDir));
    if (Object.keys(processes).length === 0) {
      this.deps.onNoProcesses();
      return undefined;
    }
    const env = await releaseProcessEnv(ctx.paths, spec, releaseDir, port);
    const set = new ReleaseProcessSet(releaseDir, port);
    const childDeps = {
      log: ctx.log,
      pidsDir: ctx.paths.pids,
      policy: this.deps.policy,
      graceMs: this.deps.graceMs,
      clock: ctx.clock,
    };
    await set.start(
      { spec, paths, releaseDir, port, processes, env, blueGreen: this.deps.proxy !== undefined },
      childDeps,
      this.deps.onChange,
      this.deps.cancelled,
    );
    return set;
  }

  // The upstream switches in one admin call; `afterSwitch` (the `current` link) runs before the
  // old set drains. A failed check throws with the new processes' output.
  async switchTo(releaseDir: string, afterSwitch?: () => Promise<void>): Promise<SwitchResult | undefined> {
    const proxy = this.deps.proxy;
    if (!proxy) throw new Error("internal: switchTo without a proxy");
    const result = await switchRelease({
      proxy,
      spec: this.deps.spec,
      start: (port) => this.startSet(releaseDir, port),
      swap: (next) => {
        const old = this.live;
        this.live = next;
        this.deps.onChange();
        return old;
      },
      ...(afterSwitch ? { afterSwitch } : {}),
    });
    this.exposed = result?.warning ? { port: result.port, warning: result.warning } : undefined;
    if (result?.warning)
      this.deps.ctx.log.warn({ event: "web.exposed", app: this.deps.spec.name, port: result.port }, result.warning);
    return result;
  }

  async stop(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    this.deps.proxy?.forget(this.deps.spec.name);
    await live?.stop();
  }
}
