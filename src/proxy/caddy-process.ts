import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { writeFileAtomic } from "../lib/fs.js";
import { HostctlError } from "../lib/errors.js";
import type { ProcessStatus } from "../supervisor/control-protocol.js";
import { SupervisedProcess, type ChildDeps } from "../supervisor/supervised-process.js";
import { caddyAnswers, loadCaddyConfig } from "./caddy-admin.js";
import type { CaddyBinary } from "./caddy-binary.js";

export interface CaddyPaths {
  /** run/caddy, 0700: the admin socket and the config Caddy restarts with. */
  runDir: string;
  socket: string;
  config: string;
  /** $HOSTCTL_HOME/caddy, 0700: certificates, the local CA, Caddy's own files, its log. */
  storage: string;
  log: string;
}

export function caddyPaths(paths: HostPaths): CaddyPaths {
  const runDir = join(paths.run, "caddy");
  const storage = join(paths.home, "caddy");
  return {
    runDir,
    socket: join(runDir, "admin.sock"),
    config: join(runDir, "config.json"),
    storage,
    log: join(storage, "caddy.log"),
  };
}

const READY_MS = 20_000;

// Starts from the config file beside its socket (last loaded, or `restartConfig` after a crash),
// so a crash brings back the same routes; changes go through the admin API.
export class CaddyProcess {
  private readonly child: SupervisedProcess;
  private version = 0;
  private lastPid: number | undefined;
  private restartConfig: (() => Promise<unknown>) | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;

  constructor(
    readonly binary: CaddyBinary,
    readonly paths: CaddyPaths,
    deps: ChildDeps,
    onChange: () => void = () => undefined,
  ) {
    this.child = new SupervisedProcess(
      {
        app: "_proxy",
        type: "caddy",
        file: binary.path,
        args: ["run", "--config", paths.config],
        cwd: paths.storage,
        env: {
          PATH: "/usr/local/bin:/usr/bin:/bin",
          HOME: paths.storage,
          XDG_DATA_HOME: join(paths.storage, "data"),
          XDG_CONFIG_HOME: join(paths.storage, "config"),
        },
        logPath: paths.log,
        display: `${binary.path} run --config ${paths.config}`,
      },
      deps,
      () => {
        this.restarted();
        onChange();
      },
      () => this.beforeRestart(),
    );
  }

  /** `restartConfig`: the config Caddy starts again with after it exited. */
  async start(config: unknown, restartConfig?: () => Promise<unknown>): Promise<void> {
    this.stopped = false;
    this.restartConfig = restartConfig;
    this.starting = this.launch(config);
    await this.starting;
  }

  /** Replaces the whole config in one admin call (and keeps it for a restart). */
  async load(config: unknown): Promise<void> {
    await writeFileAtomic(this.paths.config, JSON.stringify(config), 0o600);
    await loadCaddyConfig(this.paths.socket, config);
    this.version += 1;
  }

  private async launch(config: unknown): Promise<void> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.storage, { recursive: true, mode: 0o700 });
    await Promise.all([chmod(this.paths.runDir, 0o700), chmod(this.paths.storage, 0o700)]);
    await writeFileAtomic(this.paths.config, JSON.stringify(config), 0o600);
    if (this.stopped) return;
    await this.child.start();
    await this.waitReady();
    this.version += 1;
  }

  /** Caddy makes its socket with the umask's mode: only the 0700 directory guards it till chmod. */
  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_MS;
    while (!(await caddyAnswers(this.paths.socket))) {
      if (this.stopped) return;
      if (Date.now() > deadline || !this.child.running) {
        throw new HostctlError(
          "PROXY_START_FAILED",
          `Caddy did not answer on ${this.paths.socket}: ${this.child.outputTail().trim().split("\n").slice(-3).join(" | ") || "no output"}`,
          { hint: `see ${this.paths.log}; run: hostctl doctor` },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await chmod(this.paths.socket, 0o600);
  }

  private async beforeRestart(): Promise<void> {
    if (!this.restartConfig) return;
    await writeFileAtomic(this.paths.config, JSON.stringify(await this.restartConfig()), 0o600);
    this.version += 1;
  }

  private restarted(): void {
    const pid = this.child.status().pid;
    if (pid === undefined || pid === this.lastPid) return;
    const first = this.lastPid === undefined;
    this.lastPid = pid;
    if (!first) void this.waitReady().catch(() => undefined);
  }

  /** A start in flight starts nothing more; a Caddy it was starting is ended too. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.child.stop();
    await this.starting?.catch(() => undefined);
  }

  get running(): boolean {
    return this.child.running;
  }

  status(): ProcessStatus & { config_version: number; version: string; socket: string } {
    return {
      ...this.child.status(),
      config_version: this.version,
      version: this.binary.version,
      socket: this.paths.socket,
    };
  }
}
