import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import type { Timer } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import { replicateArgs } from "../litestream/args.js";
import { engineOf } from "../litestream/select.js";
import { isPortFree } from "../litestream/ports.js";
import { waitLitestreamReady } from "../litestream/ready.js";
import { databaseDirOf } from "../litefs/paths.js";
import { markReplicated } from "../restore/markers.js";
import { litestreamEnv } from "../s3/credentials.js";
import { replicaState } from "../s3/replica-state.js";
import type { BackoffPolicy } from "./backoff.js";
import type { ProcessStatus } from "./control-protocol.js";
import { SupervisedProcess } from "./supervised-process.js";
import { acquireReplicateLocks, releaseReplicateLocks } from "./replicate-lock.js";

export interface AppLitestreamDeps {
  ctx: HostContext;
  policy: BackoffPolicy;
  graceMs: number;
  /** Written into the replication marker: which supervisor first saw the replica hold data. */
  hostId: string;
  /** Loopback port of this app's Litestream metrics (addr: in its config). */
  metricsPort: number | undefined;
  onChange: () => void;
  /** The holder's message while another process has the metrics port; undefined once free. */
  onMetricsPort: (taken: string | undefined) => void;
}

/** The first marker check waits for Litestream's first sync; later ones poll for every database. */
const FIRST_MARKER_MS = 1500;
const MARKER_POLL_MS = 2000;

// A replicate lock per database: two writers of one replica path corrupt it. Stopped for good
// when another host takes the lease.
export class AppLitestream {
  private process: SupervisedProcess | undefined;
  private markerTimer: Timer | undefined;
  private readonly replicated = new Set<string>();
  private metricsPortTaken = false;
  private stopping = false;
  private starting: Promise<void> | undefined;
  /** Why replication stopped for good (another host took the lease). */
  disabled: string | undefined;

  constructor(
    private readonly spec: AppSpec,
    private readonly paths: AppPaths,
    private readonly deps: AppLitestreamDeps,
  ) {}

  private get dbPaths(): string[] {
    return this.spec.databases.map((db) => join(this.paths.data, db.path));
  }

  /** Where Litestream reads the databases (a LiteFS app's are inside its mount). */
  private get replicatedPaths(): string[] {
    return this.spec.databases.map((db) => join(databaseDirOf(this.spec, this.paths), db.path));
  }

  private get log() {
    return this.deps.ctx.log.child({ app: this.spec.name });
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  status(): ProcessStatus | undefined {
    return this.process?.status();
  }

  async start(): Promise<void> {
    if (this.spec.databases.length === 0 || this.process || this.starting || this.disabled) return this.starting;
    this.stopping = false;
    this.starting = this.launch().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  /** A stop or disable arriving meanwhile is seen after each wait: nothing starts after it. */
  private async launch(): Promise<void> {
    await acquireReplicateLocks(this.deps.ctx.paths.locks, this.dbPaths);
    // With the metrics port taken, hostctl would read another process's metrics: the lag is then
    // unknown and counted as behind, never read from them.
    const port = this.deps.metricsPort;
    this.metricsPortTaken = port !== undefined && !(await isPortFree(port));
    if (this.metricsPortTaken)
      this.log.warn(
        { event: "litestream.metrics_port_taken", port },
        `127.0.0.1:${port} is held by another process: Litestream's metrics (lag) cannot be read`,
      );
    this.deps.onMetricsPort(
      this.metricsPortTaken
        ? `127.0.0.1:${port} is held by another process: lag unknown (free it, or change litestream.metrics_port_base)`
        : undefined,
    );
    if (this.stopping || this.disabled) {
      await releaseReplicateLocks(this.deps.ctx.paths.locks, this.dbPaths);
      return;
    }
    this.process = this.supervised();
    await this.process.start();
    if (!this.stopping && !this.disabled)
      this.markerTimer = this.deps.ctx.clock.setTimeout(() => void this.markerRound(), FIRST_MARKER_MS);
  }

  private supervised(): SupervisedProcess {
    const { ctx } = this.deps;
    const args = replicateArgs(this.paths.litestreamConfig);
    return new SupervisedProcess(
      {
        app: this.spec.name,
        type: "litestream",
        file: ctx.litestream,
        args,
        cwd: this.paths.root,
        env: litestreamEnv(ctx.credentials),
        logPath: join(this.paths.logs, "litestream.log"),
        display: `litestream ${args.join(" ")}`,
      },
      { log: ctx.log, pidsDir: ctx.paths.pids, policy: this.deps.policy, graceMs: this.deps.graceMs, clock: ctx.clock },
      this.deps.onChange,
    );
  }

  /** Restarts a Litestream that makes no progress while writes wait (see litestream/stall.ts). */
  async restart(): Promise<void> {
    const ls = this.process;
    if (!ls || this.stopping || this.disabled) return;
    await ls.stop();
    if (this.stopping || this.process !== ls) return;
    await ls.start();
  }

  // Two Litestreams writing one replica path corrupt it. The app keeps serving; status says why
  // its writes are no longer shipped.
  async disable(reason: string): Promise<void> {
    this.disabled = reason;
    this.markerTimer?.cancel();
    await this.starting?.catch(() => undefined);
    if (this.process) {
      await this.process.stop();
      this.process = undefined;
      await releaseReplicateLocks(this.deps.ctx.paths.locks, this.dbPaths);
    }
    this.deps.onChange();
  }

  /** A stop began: no restart and no marker round from now on. */
  halt(): void {
    this.stopping = true;
    this.markerTimer?.cancel();
  }

  /** After the app's processes, so the last writes they acknowledged are shipped. */
  async stop(): Promise<void> {
    this.halt();
    await this.starting?.catch(() => undefined);
    const ls = this.process;
    if (!ls) return;
    // Metrics on a port another process holds are not ours: waiting on them only delays the stop.
    if (ls.running && this.deps.metricsPort !== undefined && !this.metricsPortTaken) {
      const ready = await waitLitestreamReady(this.deps.metricsPort, this.replicatedPaths, 10_000);
      if (!ready)
        this.log.warn(
          { event: "litestream.not_ready", databases: this.replicatedPaths },
          "Litestream had not synced every database before shutdown; the newest writes may not be shipped",
        );
    }
    await ls.stop();
    this.process = undefined;
    // Its final sync may have been the first one: record that the replica now holds data.
    await this.checkReplicated();
    await releaseReplicateLocks(this.deps.ctx.paths.locks, this.dbPaths);
  }

  private async markerRound(): Promise<void> {
    await this.checkReplicated();
    if (this.replicated.size < this.spec.databases.length && !this.stopping) {
      this.markerTimer = this.deps.ctx.clock.setTimeout(() => void this.markerRound(), MARKER_POLL_MS);
    }
  }

  /** Writes the replication marker for every database whose replica holds data (best effort). */
  private async checkReplicated(): Promise<void> {
    for (const db of this.spec.databases) {
      if (this.replicated.has(db.path)) continue;
      try {
        if (
          (await replicaState(this.deps.ctx.store, this.spec.name, db.path, engineOf(this.deps.ctx))).state === "exists"
        ) {
          await markReplicated(this.deps.ctx, this.spec.name, db.path, this.deps.hostId);
          this.replicated.add(db.path);
        }
      } catch (error) {
        this.log.warn(
          { event: "marker.failed", database: db.path, reason: errorMessage(error) },
          "could not write the replication marker; will retry",
        );
      }
    }
  }
}
