import type { Clock, Timer } from "../../src/lib/clock.js";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  every: number | undefined;
  cancelled: boolean;
}

/**
 * A clock that moves only when the test says so: `advance(ms)` runs every timer due in that span, in time
 * order, letting promise callbacks run between them (so an async retry scheduled by a timer gets to run).
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.time = start;
  }

  now(): Date {
    return new Date(this.time);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = this.setTimeout(resolve, ms);
      signal?.addEventListener(
        "abort",
        () => {
          timer.cancel();
          resolve();
        },
        { once: true },
      );
    });
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, ms);
  }

  /** Timers not yet fired or cancelled, and when each is due (ms from now). */
  timers(): number[] {
    return this.pending
      .filter((p) => !p.cancelled)
      .map((p) => p.at - this.time)
      .sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (let next = this.due(end); next; next = this.due(end)) {
      this.time = next.at;
      if (next.every === undefined) next.cancelled = true;
      else next.at += next.every;
      next.fn();
      await settle();
    }
    this.time = end;
    await settle();
  }

  private due(end: number): Pending | undefined {
    this.pending = this.pending.filter((p) => !p.cancelled);
    return this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }

  private add(fn: () => void, ms: number, every: number | undefined): Timer {
    const entry: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, every, cancelled: false };
    this.pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }
}

/** Lets pending promise callbacks (and the I/O-free work they start) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
