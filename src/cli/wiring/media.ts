import { errorMessage } from "../../lib/errors.js";
import { MediaShipper } from "../../media/shipper.js";
import type { Supervisor } from "../../supervisor/main.js";
import type { AppUnit } from "../../supervisor/app-unit.js";

/** The safety net behind the directory watches: a full comparison of each media directory this often. */
const MEDIA_SCAN_MS = 30_000;

/**
 * restoreMedia writes an app's media directory and its media-state.json before the app starts: meanwhile the
 * app's shipper holds off (else it would upload the restored files back), then reloads the restored record.
 */
export class MediaRestoreGate {
  private readonly restoring = new Set<string>();
  private readonly listeners: ((app: string) => void)[] = [];

  isRestoring(app: string): boolean {
    return this.restoring.has(app);
  }

  onRestored(listener: (app: string) => void): void {
    this.listeners.push(listener);
  }

  async around<T>(app: string, work: () => Promise<T>): Promise<T> {
    this.restoring.add(app);
    try {
      return await work();
    } finally {
      this.restoring.delete(app);
      for (const listener of this.listeners) listener(app);
    }
  }
}

export interface MediaWiring {
  /** Seconds since the oldest media change not yet in the replica, per app (0 when caught up). */
  lagSeconds(app: string): number | undefined;
  /** Ships what is left (the apps have stopped); then shipping ends. */
  flush(): Promise<void>;
}

/**
 * Media shipped on change: one MediaShipper per supervised app, fed by directory watches, with a full scan
 * 3 s after start and every 30 s. `paused` holds shipping while another host owns the replica.
 */
export function wireMedia(supervisor: Supervisor, paused: () => boolean, gate = new MediaRestoreGate()): MediaWiring {
  const { ctx } = supervisor;
  const shippers = new Map<string, MediaShipper>();
  const scan = (shipper: MediaShipper) => {
    shipper.scan().catch((error: unknown) => ctx.log.warn({ event: "media.sync_failed", app: shipper.app, reason: errorMessage(error) }, "media not synced; will retry"));
  };
  const add = (unit: AppUnit) => {
    if (shippers.has(unit.spec.name)) return;
    const shipper = new MediaShipper(unit.spec.name, unit.paths.media, ctx, { paused: () => paused() || gate.isRestoring(unit.spec.name) });
    shippers.set(unit.spec.name, shipper);
    // Read when status asks: the lag at that moment, not at the last round.
    unit.report("media", () => shipper.status());
    void shipper.watch().catch((error: unknown) => ctx.log.warn({ event: "media.watch_failed", app: unit.spec.name, reason: errorMessage(error) }, "media directory not watched; the periodic scan covers it"));
  };
  for (const unit of supervisor.units.values()) add(unit);
  gate.onRestored((app) => {
    const shipper = shippers.get(app);
    if (shipper) void shipper.reload().then(() => scan(shipper));
  });
  supervisor.onUnits({
    added: add,
    removed: (name) => {
      shippers.get(name)?.stop();
      shippers.delete(name);
    },
  });
  const round = () => {
    for (const shipper of shippers.values()) scan(shipper);
  };
  const timer = ctx.clock.setInterval(round, MEDIA_SCAN_MS);
  const first = ctx.clock.setTimeout(round, 3000);
  supervisor.onStop(() => {
    timer.cancel();
    first.cancel();
  });
  return {
    lagSeconds: (app) => shippers.get(app)?.lagSeconds(),
    flush: async () => {
      await Promise.all([...shippers.values()].map(async (shipper) => {
        try {
          await shipper.flush();
        } catch (error) {
          ctx.log.warn({ event: "media.sync_failed", app: shipper.app, reason: errorMessage(error) }, "last media sync failed");
        } finally {
          shipper.stop();
        }
      }));
    },
  };
}
