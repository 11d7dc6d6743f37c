import type { Timer } from "../lib/clock.js";
import type { HostContext } from "../host/context.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { DirtySet } from "./dirty.js";
import { forEachLimit } from "../lib/pool.js";
import { PathShipper } from "./ship-path.js";
import { planMediaSync } from "./plan.js";
import { isHostctlTemp, scanMedia } from "./scan.js";
import { hasDatabaseComponent } from "../lib/database-files.js";
import { mediaStatePath, readMediaState, writeMediaState, type MediaState } from "./state.js";
import { bootstrapState, isDirectory, mediaRetentionMs, purgeExpired } from "./sync.js";
import { watchTree, type TreeWatcher } from "./watch.js";

export interface ShipperOptions {
  /** Still being written if modified this recently; shipped once quiet this long. Default 1 s. */
  settleMs?: number;
  /** Events are gathered this long before a round starts. Default 200 ms. */
  debounceMs?: number;
  /** Uploads at once. Default 4. */
  concurrency?: number;
  /** Paths looked at per round (the state file is saved after each). Default 256. */
  batch?: number;
  /** Shipping pauses while this says so (the host lost its lease). */
  paused?: () => boolean;
  stateFile?: string;
}

export interface MediaShipperStatus {
  /** Files and bytes in the replica as far as this host knows. */
  files: number;
  bytes: number;
  /** Changes not yet shipped, and how long the oldest has waited (0 when caught up). */
  pending: number;
  lag_s: number;
  oldest_change_at: string | null;
  watching: boolean;
  synced_at: string | null;
  error?: string;
}

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

/** Watches mark paths dirty, a debounced round ships them, `scan()` catches what a watch missed.
 * Rounds and scans of one app never overlap. */
export class MediaShipper {
  private readonly dirty = new DirtySet();
  private state: MediaState | undefined;
  private watcher: TreeWatcher | undefined;
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private error: string | undefined;
  private syncedAt: Date | undefined;
  private stopped = false;
  private watchFailures = 0;
  private readonly settleMs: number;
  private readonly stateFile: string;

  constructor(
    readonly app: string,
    readonly mediaDir: string,
    private readonly ctx: HostContext,
    private readonly options: ShipperOptions = {},
  ) {
    this.settleMs = options.settleMs ?? 1000;
    this.stateFile = options.stateFile ?? mediaStatePath(ctx.paths, app);
  }

  /** Starts the directory watches (again, if the media directory appeared since). */
  async watch(): Promise<void> {
    if (this.stopped || (this.watcher && this.watcher.size() > 0) || !(await isDirectory(this.mediaDir))) return;
    this.watcher?.close();
    this.watcher = watchTree(this.mediaDir, {
      changed: (path) => this.note(path),
      failed: (directory, error) => {
        // Once per shipper: past the inotify limit every further directory fails the same way.
        if (this.watchFailures++ === 0)
          this.ctx.log.warn(
            { event: "media.watch_failed", app: this.app, directory, reason: error.message },
            "media directory not watched (nor, likely, others after it); the 30 s scan covers them",
          );
      },
    });
    await this.watcher.add("");
  }

  /** A change to `path` (relative to the media directory), seen now. */
  note(path: string, atMs = this.ctx.clock.now().getTime()): void {
    if (isHostctlTemp(path.slice(path.lastIndexOf("/") + 1)) || hasDatabaseComponent(path)) return;
    this.dirty.note(path, atMs);
    this.schedule(atMs + (this.options.debounceMs ?? 200));
  }

  /** What a watch missed becomes dirty, then a round runs. */
  scan(): Promise<void> {
    return this.exclusive(async () => {
      await this.watch();
      if (this.options.paused?.()) return; // this host no longer owns the replica
      const state = await this.loadState();
      if (await isDirectory(this.mediaDir)) {
        const now = this.ctx.clock.now().getTime();
        const local = await scanMedia(this.mediaDir);
        const plan = planMediaSync(local, state.files, new Date(now), 0);
        // A scanned change happened at the file's mtime; a deletion some time since the last look.
        for (const path of plan.upload) this.dirty.note(path, Math.min(now, local.get(path)?.mtimeMs ?? now));
        for (const path of plan.remove) this.dirty.note(path, now);
      }
      await this.round(false);
      await purgeExpired(this.ctx, this.app, this.ctx.clock.now(), mediaRetentionMs(this.ctx));
    });
  }

  /** Ships everything now, without waiting for files to settle (the apps have stopped writing). */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      const state = await this.loadState();
      if (await isDirectory(this.mediaDir)) {
        const now = this.ctx.clock.now().getTime();
        const plan = planMediaSync(await scanMedia(this.mediaDir), state.files, new Date(now), 0);
        for (const path of [...plan.upload, ...plan.remove]) this.dirty.note(path, now);
      }
      await this.round(true);
    });
  }

  /** media-state.json was rewritten (restoreMedia); the next round reads it. */
  reload(): Promise<void> {
    return this.exclusive(() => {
      this.state = undefined;
      return Promise.resolve();
    });
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.watcher?.close();
  }

  status(): MediaShipperStatus {
    const oldest = this.dirty.oldest();
    return {
      ...this.totals(),
      pending: this.dirty.size,
      lag_s: this.lagSeconds(),
      oldest_change_at: oldest === undefined ? null : new Date(oldest).toISOString(),
      watching: (this.watcher?.size() ?? 0) > 0,
      synced_at: this.syncedAt?.toISOString() ?? null,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  lagSeconds(): number {
    return this.dirty.lagSeconds(this.ctx.clock.now().getTime());
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private schedule(atMs: number): void {
    if (this.stopped || atMs >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = atMs;
    this.timer = this.ctx.clock.setTimeout(
      () => {
        this.timerAt = Infinity;
        this.exclusive(() => this.round(false)).catch((error: unknown) =>
          this.ctx.log.warn(
            { event: "media.sync_failed", app: this.app, reason: errorMessage(error) },
            "media not synced; will retry",
          ),
        );
      },
      Math.max(0, atMs - this.ctx.clock.now().getTime()),
    );
  }

  private async loadState(): Promise<MediaState> {
    if (!this.state) {
      this.state =
        (await readMediaState(this.stateFile)) ??
        (await bootstrapState(this.ctx, this.app, await scanMedia(this.mediaDir)));
    }
    return this.state;
  }

  /** Counted when asked (status is rare), so it always agrees with pending. */
  private totals(): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const stamp of Object.values(this.state?.files ?? {})) {
      files++;
      bytes += stamp.size;
    }
    return { files, bytes };
  }

  /** Ships the due dirty paths in batches; `final` ships files still being written too. */
  private async round(final: boolean): Promise<void> {
    if (this.options.paused?.()) return this.schedule(this.ctx.clock.now().getTime() + 5000);
    const state = await this.loadState();
    try {
      const paths = new PathShipper({
        ctx: this.ctx,
        app: this.app,
        mediaDir: this.mediaDir,
        settleMs: this.settleMs,
        dirty: this.dirty,
        watcher: () => this.watcher,
      });
      for (;;) {
        const now = this.ctx.clock.now().getTime();
        const claims = this.dirty.due(final ? Infinity : now, this.options.batch ?? 256);
        if (claims.length === 0) break;
        try {
          await forEachLimit(claims, this.options.concurrency ?? 4, (claim) => paths.ship(claim, state, final));
        } finally {
          await writeMediaState(this.stateFile, state);
        }
      }
      this.failures = 0;
      this.error = undefined;
      this.syncedAt = this.ctx.clock.now();
    } catch (error) {
      if (!(error instanceof HostctlError)) throw error;
      // Replica unwritable: every dirty path waits with backoff and the lag keeps growing.
      const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)] ?? 30_000;
      if (this.error === undefined)
        this.ctx.log.warn(
          { event: "media.sync_failed", app: this.app, reason: errorMessage(error), retry_in_ms: delay },
          "media not synced; will retry",
        );
      this.error = errorMessage(error);
      const retryAt = this.ctx.clock.now().getTime() + delay;
      for (const claim of this.dirty.due(Infinity, Infinity)) this.dirty.defer(claim.path, retryAt);
    }
    const next = this.dirty.nextDue();
    if (next !== undefined) this.schedule(next);
  }
}
