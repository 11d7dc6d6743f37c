import type { Clock, Timer } from "./clock.js";

/** A feature's periodic work under the supervisor (drills, media, polling, registry mirror). */
export interface Loop {
  /** Begins its rounds (on the injected clock). */
  start(): void;
  /** Ends its rounds; resolves once a round in progress has ended. */
  stop(): Promise<void>;
}

/** Told of every supervised app, including apps added or removed while `up` runs. */
export interface AppLoop<App> extends Loop {
  add(app: App): void;
  remove(name: string): void;
}

export function isAppLoop<App>(loop: Loop | AppLoop<App>): loop is AppLoop<App> {
  return "add" in loop && "remove" in loop;
}

/** One round soon after start (`firstMs`), then one every `everyMs`; cancel() ends both. */
export function startRounds(clock: Clock, round: () => void, firstMs: number, everyMs: number): Timer {
  const timers = [clock.setTimeout(round, firstMs), clock.setInterval(round, everyMs)];
  return {
    cancel: () => {
      for (const timer of timers) timer.cancel();
    },
  };
}
