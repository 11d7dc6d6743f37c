import { describe, expect, it } from "vitest";
import { StallWatch } from "../../../src/litestream/stall.js";

const behind = (lag_s: number) => [{ db: "/d/db.sqlite3", lag_s, behind: true }];
const caughtUp = [{ db: "/d/db.sqlite3", lag_s: 0, behind: false }];

describe("StallWatch", () => {
  it("does nothing while the replica keeps up or the wait is below the limit", () => {
    const watch = new StallWatch(60);
    expect(watch.observe(caughtUp, 0)).toEqual({ action: "none" });
    expect(watch.observe(behind(59), 5_000)).toEqual({ action: "none" });
  });

  it("restarts once writes waited past the limit, then backs off (doubling) while it stays stalled", () => {
    const watch = new StallWatch(60);
    expect(watch.observe(behind(61), 0)).toEqual({
      action: "restart",
      db: "/d/db.sqlite3",
      lag_s: 61,
      attempt: 1,
      next_after_s: 120,
    });
    expect(watch.observe(behind(100), 100_000)).toEqual({ action: "none" });
    expect(watch.observe(behind(190), 120_000)).toMatchObject({ action: "restart", attempt: 2, next_after_s: 240 });
    expect(watch.observe(behind(300), 300_000)).toEqual({ action: "none" });
    expect(watch.observe(behind(500), 360_000)).toMatchObject({ action: "restart", attempt: 3, next_after_s: 480 });
  });

  it("caps the backoff and starts over once the replica caught up", () => {
    const watch = new StallWatch(10);
    let now = 0;
    for (let i = 0; i < 8; i++) {
      const verdict = watch.observe(behind(1e6), now);
      if (verdict.action === "restart") now += verdict.next_after_s * 1000;
    }
    expect(watch.observe(behind(1e6), now)).toMatchObject({ next_after_s: 320 });
    watch.observe(caughtUp, now + 1);
    expect(watch.observe(behind(11), now + 2)).toMatchObject({ action: "restart", attempt: 1, next_after_s: 20 });
  });
});
