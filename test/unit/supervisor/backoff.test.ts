import { describe, expect, it } from "vitest";
import {
  DEFAULT_BACKOFF,
  nextRestart,
  nextSpawnRetry,
  scaledBackoff,
  type RestartHistory,
} from "../../../src/supervisor/backoff.js";

function run(exits: { at: number; uptime: number }[]) {
  let history: RestartHistory = { failures: 0, restarts: [] };
  return exits.map(({ at, uptime }) => {
    const decision = nextRestart(history, uptime, at, DEFAULT_BACKOFF);
    history = decision.history;
    return decision;
  });
}

describe("restart backoff", () => {
  it("doubles from 1 s up to 60 s for quick failures", () => {
    const exits = Array.from({ length: 8 }, (_, i) => ({ at: i * 400_000, uptime: 10 }));
    expect(run(exits).map((d) => d.delayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it("starts again from 1 s after a run of 60 s or more", () => {
    const decisions = run([
      { at: 0, uptime: 10 },
      { at: 1000, uptime: 10 },
      { at: 100_000, uptime: 60_000 },
    ]);
    expect(decisions.map((d) => d.delayMs)).toEqual([1000, 2000, 1000]);
  });

  it("marks more than 5 restarts within 5 minutes as crashloop and retries at the slowest pace", () => {
    const decisions = run(Array.from({ length: 7 }, (_, i) => ({ at: i * 1000, uptime: 5 })));
    expect(decisions.map((d) => d.crashloop)).toEqual([false, false, false, false, false, true, true]);
    expect(decisions[5]?.delayMs).toBe(60_000);
  });

  it("forgets restarts older than the window", () => {
    const decisions = run([
      ...Array.from({ length: 5 }, (_, i) => ({ at: i * 1000, uptime: 5 })),
      { at: 400_000, uptime: 5 },
    ]);
    expect(decisions[5]?.crashloop).toBe(false);
  });

  it("scales every interval for tests and demos, and leaves the default alone at scale 1", () => {
    expect(scaledBackoff(1)).toBe(DEFAULT_BACKOFF);
    expect(scaledBackoff(0.1)).toMatchObject({ baseMs: 100, maxMs: 6000, crashloopRestarts: 5 });
  });

  it("retries a process the OS refused to start from 1 s doubling to 5 s, never as a crashloop", () => {
    let history: RestartHistory = { failures: 0, restarts: [] };
    const decisions = Array.from({ length: 8 }, () => {
      const decision = nextSpawnRetry(history, DEFAULT_BACKOFF);
      history = decision.history;
      return decision;
    });
    expect(decisions.map((d) => d.delayMs)).toEqual([1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]);
    expect(decisions.some((d) => d.crashloop)).toBe(false);
    expect(history.restarts).toEqual([]);
  });
});
