import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../../src/lib/clock.js";

describe("systemClock.sleep", () => {
  it("leaves no abort listener behind when the timer fires (a heartbeat loop sleeps on one signal for days)", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await systemClock.sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("ends early when the signal aborts, and at once when it already has", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    await systemClock.sleep(60_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
