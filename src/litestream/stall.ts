import type { ReplicaLag } from "./lag.js";

/** What the supervisor does about one app's replication after a lag reading. */
export type StallVerdict =
  { action: "none" } | { action: "restart"; db: string; lag_s: number; attempt: number; next_after_s: number };

const MAX_BACKOFF_FACTOR = 32;

/** Pure: restart after writes waited `stallAfterS`, then only as the wait doubles (capped), so a
 * replica target that is truly down is not hammered. Caught up again resets it. */
export class StallWatch {
  private attempts = 0;
  private nextAllowedMs = 0;

  constructor(private readonly stallAfterS: number) {}

  observe(lags: readonly ReplicaLag[], nowMs: number): StallVerdict {
    const worst = lags.reduce<ReplicaLag | undefined>(
      (w, l) => (l.behind && (w === undefined || l.lag_s > w.lag_s) ? l : w),
      undefined,
    );
    if (worst === undefined) {
      this.attempts = 0;
      this.nextAllowedMs = 0;
      return { action: "none" };
    }
    if (worst.lag_s < this.stallAfterS || nowMs < this.nextAllowedMs) return { action: "none" };
    this.attempts += 1;
    const waitS = this.stallAfterS * Math.min(MAX_BACKOFF_FACTOR, 2 ** this.attempts);
    this.nextAllowedMs = nowMs + waitS * 1000;
    return { action: "restart", db: worst.db, lag_s: worst.lag_s, attempt: this.attempts, next_after_s: waitS };
  }
}
