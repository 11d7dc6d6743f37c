import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import type { AppPaths } from "../config/paths.js";
import type { Timer } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import { startRounds, type AppLoop } from "../lib/loop.js";
import type { AppFacts } from "../supervisor/control-protocol.js";
import { MediaRestoreGate } from "./restore-gate.js";
import { MediaShipper } from "./shipper.js";

/** The safety net behind the directory watches. */
export const MEDIA_SCAN_MS = 30_000;
/** The first full scan, soon after start. */
export const FIRST_SCAN_MS = 3000;

/** What media sync needs of a supervised app. */
export interface MediaApp {
  spec: AppSpec;
  paths: AppPaths;
  report(key: "media", value: () => AppFacts["media"]): void;
}

export interface MediaSyncOptions {
  /** Shipping holds while another host owns the replica. */
  paused: () => boolean;
  gate?: MediaRestoreGate;
}

/** `flush()` (after the apps stopped) ships what is left and ends shipping. */
export class MediaSyncLoop implements AppLoop<MediaApp> {
  private readonly shippers = new Map<string, MediaShipper>();
  private rounds: Timer | undefined;
  private readonly gate: MediaRestoreGate;

  constructor(
    private readonly ctx: HostContext,
    private readonly options: MediaSyncOptions,
  ) {
    this.gate = options.gate ?? new MediaRestoreGate();
    this.gate.onRestored((app) => {
      const shipper = this.shippers.get(app);
      if (shipper) void shipper.reload().then(() => this.scan(shipper));
    });
  }

  add(app: MediaApp): void {
    const name = app.spec.name;
    if (this.shippers.has(name)) return;
    const shipper = new MediaShipper(name, app.paths.media, this.ctx, {
      paused: () => this.options.paused() || this.gate.isRestoring(name),
    });
    this.shippers.set(name, shipper);
    // Read when status asks: the lag at that moment, not at the last round.
    app.report("media", () => shipper.status());
    void shipper
      .watch()
      .catch((error: unknown) =>
        this.ctx.log.warn(
          { event: "media.watch_failed", app: name, reason: errorMessage(error) },
          "media directory not watched; the periodic scan covers it",
        ),
      );
  }

  remove(name: string): void {
    this.shippers.get(name)?.stop();
    this.shippers.delete(name);
  }

  start(): void {
    const round = () => {
      for (const shipper of this.shippers.values()) this.scan(shipper);
    };
    this.rounds = startRounds(this.ctx.clock, round, FIRST_SCAN_MS, MEDIA_SCAN_MS);
  }

  /** Ends the scans; the watches go on until flush(). */
  stop(): Promise<void> {
    this.rounds?.cancel();
    this.rounds = undefined;
    return Promise.resolve();
  }

  /** Seconds since the oldest media change not yet in the replica (0 when caught up). */
  lagSeconds(app: string): number | undefined {
    return this.shippers.get(app)?.lagSeconds();
  }

  /** Ships what is left (the apps have stopped); then shipping ends. */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.shippers.values()].map(async (shipper) => {
        try {
          await shipper.flush();
        } catch (error) {
          this.ctx.log.warn(
            { event: "media.sync_failed", app: shipper.app, reason: errorMessage(error) },
            "last media sync failed",
          );
        } finally {
          shipper.stop();
        }
      }),
    );
  }

  private scan(shipper: MediaShipper): void {
    shipper
      .scan()
      .catch((error: unknown) =>
        this.ctx.log.warn(
          { event: "media.sync_failed", app: shipper.app, reason: errorMessage(error) },
          "media not synced; will retry",
        ),
      );
  }
}
