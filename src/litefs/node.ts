import { mkdir } from "node:fs/promises";
import type { HostContext } from "../host/context.js";
import type { LitefsHostConfig } from "../config/litefs-schema.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import type { ProcessStatus } from "../supervisor/control-protocol.js";
import { SupervisedProcess } from "../supervisor/supervised-process.js";
import type { BackoffPolicy } from "../supervisor/backoff.js";
import { fetchLitefsInfo, localApiUrl, waitForLitefsReady, type LitefsInfo } from "./api.js";
import { isMounted, unmountLazily } from "./mounts.js";
import { litefsPaths, type LitefsPaths } from "./paths.js";
import { PrimaryWatch, writeRouteFor } from "./primary-watch.js";
import type { WriteRoute } from "../proxy/write-route.js";

export interface LitefsNodeDeps {
  ctx: HostContext;
  litefs: LitefsHostConfig;
  /** This app's LiteFS API port on this node. */
  port: number;
  policy: BackoffPolicy;
  graceMs: number;
  onChange: () => void;
  readyTimeoutMs?: number;
}

/** 30 s; HOSTCTL_LITEFS_READY_MS shortens it for tests only. */
export function litefsReadyTimeoutMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.HOSTCTL_LITEFS_READY_MS);
  return Number.isInteger(ms) && ms > 0 ? ms : 30_000;
}

export function mountArgs(configPath: string): string[] {
  // -no-expand-env: the config is rendered by hostctl; a "$" in a path stays a "$".
  return ["mount", "-config", configPath, "-no-expand-env"];
}

// Started before the app's processes (they open databases inside the mount) and stopped after.
export class LitefsNode {
  readonly paths: LitefsPaths;
  readonly apiUrl: string;
  private process: SupervisedProcess | undefined;
  private watch: PrimaryWatch | undefined;

  constructor(
    readonly spec: AppSpec,
    private readonly deps: LitefsNodeDeps,
  ) {
    this.paths = litefsPaths(deps.ctx.paths, spec.name);
    this.apiUrl = localApiUrl(deps.litefs, deps.port);
  }

  /** The primary alone writes, migrates and runs Litestream. */
  get isCandidate(): boolean {
    return this.deps.litefs.role === "candidate";
  }

  /** Mounts and waits until this node is primary, or a replica connected to the primary. */
  async mount(): Promise<LitefsInfo> {
    const { ctx } = this.deps;
    await mkdir(this.paths.mount, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.data, { recursive: true, mode: 0o700 });
    if (!this.process) {
      this.process = new SupervisedProcess(
        {
          app: this.spec.name,
          type: "litefs",
          file: this.deps.litefs.binary,
          args: mountArgs(this.paths.config),
          cwd: appPaths(ctx.paths, this.spec.name).root,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" },
          logPath: this.paths.log,
          display: `${this.deps.litefs.binary} ${mountArgs(this.paths.config).join(" ")}`,
        },
        {
          log: ctx.log,
          pidsDir: ctx.paths.pids,
          policy: this.deps.policy,
          graceMs: this.deps.graceMs,
          clock: ctx.clock,
        },
        this.deps.onChange,
      );
    }
    await this.process.start();
    const info = await this.waitReady();
    if (!this.watch) {
      this.watch = new PrimaryWatch(
        this.paths.mount,
        () => {
          ctx.log.info(
            { event: "litefs.primary_changed", app: this.spec.name, primary: this.watch?.primary ?? "self" },
            "LiteFS primary changed: the front door re-routes writes",
          );
          this.deps.onChange();
        },
        ctx.clock,
      );
      await this.watch.start();
    }
    return info;
  }

  /** Where the front door sends this app's writes (none on the primary). */
  get writeRoute(): WriteRoute | undefined {
    if (!this.watch) return undefined;
    return writeRouteFor(this.deps.litefs, this.watch.primary);
  }

  private async waitReady(): Promise<LitefsInfo> {
    const timeoutMs = this.deps.readyTimeoutMs ?? litefsReadyTimeoutMs(this.deps.ctx.env);
    const waited = await waitForLitefsReady(this.apiUrl, timeoutMs);
    if (waited.ready) return waited.info;
    const what =
      waited.last === undefined
        ? `LiteFS does not answer on ${this.apiUrl}`
        : `this node is not primary and has no connection to the primary (${this.deps.litefs.primary?.advertise ?? "no primary configured"})`;
    throw new HostctlError(
      "LITEFS_FAILED",
      `${this.spec.name}: LiteFS not ready after ${Math.round(timeoutMs / 1000)} s: ${what}`,
      {
        hint: `see ${this.paths.log}; check litefs: in hostctl.yml (docs/litefs.md) and that the primary is up`,
      },
    );
  }

  info(): Promise<LitefsInfo | undefined> {
    return fetchLitefsInfo(this.apiUrl);
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  status(): ProcessStatus | undefined {
    return this.process?.status();
  }

  /** LiteFS unmounts on SIGTERM; called after the app's processes have stopped. */
  async stop(): Promise<void> {
    // Its read of .primary, if one is in flight, holds the mount open: LiteFS could not unmount.
    await this.watch?.stop();
    this.watch = undefined;
    await this.process?.stop();
    this.process = undefined;
    await this.unmountLeftover();
  }

  // LiteFS exits even when its unmount fails (a file held open in the mount) or after a SIGKILL
  // at the end of the grace period; a dead mount would then stay until the next start.
  private async unmountLeftover(): Promise<void> {
    const { ctx } = this.deps;
    if (!(await isMounted(this.paths.mount))) return;
    const event = { event: "litefs.mount_left", app: this.spec.name, mount: this.paths.mount };
    try {
      await unmountLazily(ctx.run, this.paths.mount);
      ctx.log.warn(event, "LiteFS left its mount behind (a file held open in it, or LiteFS killed): unmounted lazily");
    } catch (error) {
      ctx.log.error(
        { ...event, error: errorMessage(error) },
        `LiteFS left its mount behind and it could not be unmounted: run fusermount3 -u -z ${this.paths.mount}`,
      );
    }
  }
}
