import { describe, expect, it } from "vitest";
import { startRounds } from "../../../src/lib/loop.js";
import { FakeClock } from "../../helpers/fake-clock.js";

describe("startRounds", () => {
  it("runs a round after the first delay, then one every interval", async () => {
    const clock = new FakeClock();
    const start = clock.now().getTime();
    const at: number[] = [];
    startRounds(clock, () => at.push(clock.now().getTime() - start), 3000, 30_000);
    await clock.advance(65_000);
    expect(at).toEqual([3000, 30_000, 60_000]);
  });

  it("runs no round once cancelled, and leaves no timer behind", async () => {
    const clock = new FakeClock();
    let rounds = 0;
    const timer = startRounds(clock, () => rounds++, 3000, 30_000);
    await clock.advance(3000);
    timer.cancel();
    await clock.advance(120_000);
    expect(rounds).toBe(1);
    expect(clock.timers()).toEqual([]);
  });
});
