import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { Timer } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import { startRounds, type Loop } from "../lib/loop.js";
import type { AppStatus } from "../supervisor/control-protocol.js";
import { appendLagSample, type LagSample } from "./lag-history.js";

export const SAMPLE_MS = 60_000;
/** The first sample soon after start, so a restarted supervisor's chart goes on at once. */
export const FIRST_SAMPLE_MS = 5000;

/** Pure: the worst database's lag; media lag only when media is synced. */
export function lagSample(app: AppStatus, now: Date): LagSample {
  const lags = (app.replication ?? []).map((r) => r.lag_s);
  return {
    t: now.toISOString(),
    lag_s: lags.length > 0 ? Math.max(...lags) : null,
    media_lag_s: app.media?.lag_s ?? null,
  };
}

// Samples every minute whether or not the page is on, so turning it on shows the last day.
// Reads the supervisor's status only: nothing here waits on S3.
export class LagSampler implements Loop {
  private rounds: Timer | undefined;
  private round: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: HostContext,
    private readonly apps: () => AppStatus[],
    private readonly intervalMs = SAMPLE_MS,
  ) {}

  start(): void {
    const tick = () => {
      // The minute is the tick's, not the moment a slow write before it let this round run.
      const at = this.ctx.clock.now();
      this.round = this.round.then(() => this.sample(at));
    };
    this.rounds = startRounds(this.ctx.clock, tick, Math.min(FIRST_SAMPLE_MS, this.intervalMs), this.intervalMs);
  }

  async stop(): Promise<void> {
    this.rounds?.cancel();
    this.rounds = undefined;
    await this.round;
  }

  private async sample(now: Date): Promise<void> {
    for (const app of this.apps()) {
      try {
        await appendLagSample(appPaths(this.ctx.paths, app.name), lagSample(app, now));
      } catch (error) {
        this.ctx.log.warn(
          { event: "status_page.sample_failed", app: app.name, reason: errorMessage(error) },
          "lag sample not written",
        );
      }
    }
  }
}
