import { describe, expect, it } from "vitest";
import { FakeClock } from "../../helpers/fake-clock.js";

describe("FakeClock (the clock unit tests of the supervisor's loops use)", () => {
  it("fires timeouts and intervals in time order as time advances, and not after cancel", async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`once@${clock.now().getTime()}`), 1500);
    const every = clock.setInterval(() => fired.push(`tick@${clock.now().getTime()}`), 1000);
    await clock.advance(999);
    expect(fired).toEqual([]);
    await clock.advance(2001);
    expect(fired).toEqual(["tick@1000", "once@1500", "tick@2000", "tick@3000"]);
    every.cancel();
    await clock.advance(5000);
    expect(fired).toHaveLength(4);
    expect(clock.timers()).toEqual([]);
  });

  it("sleep resolves when time reaches it, or at once when its signal aborts", async () => {
    const clock = new FakeClock(0);
    let woke = false;
    const sleeping = clock.sleep(60_000).then(() => (woke = true));
    await clock.advance(59_999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    const controller = new AbortController();
    const aborted = clock.sleep(60_000, controller.signal);
    controller.abort();
    await aborted;
    expect(clock.now().getTime()).toBe(60_000);
  });
});
