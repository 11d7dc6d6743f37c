import { describe, expect, it } from "vitest";
import {
  initialLifecycle,
  transition,
  type Effect,
  type Lifecycle,
  type LifecycleEvent,
} from "../../../src/supervisor/app-state.js";
import { DEFAULT_BACKOFF, bootRetryDelay } from "../../../src/supervisor/backoff.js";

/** Runs events through the machine; returns each step's state, reason and effect types. */
function play(events: LifecycleEvent[], start: Lifecycle = initialLifecycle("blog")) {
  let life = start;
  const steps: { state: string; reason: string | undefined; effects: string[] }[] = [];
  for (const event of events) {
    const next = transition(life, event, DEFAULT_BACKOFF);
    life = next.state;
    steps.push({ state: life.state, reason: life.reason, effects: next.effects.map(effectName) });
  }
  return { life, steps };
}

function effectName(effect: Effect): string {
  return effect.type === "log" ? `log:${effect.event}` : effect.type;
}

const unreachable = (now: number): LifecycleEvent => ({
  type: "boot_failed",
  reason: "replica unreachable: connect ECONNREFUSED",
  code: "REPLICA_UNREACHABLE",
  now,
});

describe("app lifecycle (app-state.ts)", () => {
  it.each<[string, LifecycleEvent[], string, string[]]>([
    ["boot restores first", [{ type: "boot" }], "restoring", ["restore"]],
    ["a restore starts Litestream", [{ type: "boot" }, { type: "restored" }], "starting", ["start_litestream"]],
    [
      "no release and a first deploy wired: deploy",
      [{ type: "boot" }, { type: "restored" }, { type: "litestream_started", hasRelease: false, canDeploy: true }],
      "deploying",
      ["first_deploy"],
    ],
    [
      "a release: start its processes",
      [{ type: "boot" }, { type: "restored" }, { type: "litestream_started", hasRelease: true, canDeploy: true }],
      "starting",
      ["start_processes"],
    ],
    [
      "deployed: start its processes",
      [
        { type: "boot" },
        { type: "restored" },
        { type: "litestream_started", hasRelease: false, canDeploy: true },
        { type: "deployed" },
      ],
      "starting",
      ["start_processes"],
    ],
    [
      "no release, nothing to deploy it: waiting",
      [
        { type: "boot" },
        { type: "restored" },
        { type: "litestream_started", hasRelease: false, canDeploy: false },
        { type: "no_release" },
      ],
      "waiting",
      [],
    ],
    [
      "process changes while restoring change nothing",
      [{ type: "boot" }, { type: "processes", states: ["running", "running"] }],
      "restoring",
      [],
    ],
    [
      "a failed first deploy: failed, logged, not retried",
      [{ type: "boot" }, { type: "restored" }, { type: "start_failed", reason: "deploy failed" }],
      "failed",
      ["log:app.start_failed"],
    ],
  ])("%s", (_name, events, state, effects) => {
    const { steps } = play(events);
    expect(steps.at(-1)).toMatchObject({ state, effects });
  });

  it("a failed first deploy's hint (what was put back, what to do) is in the log line", () => {
    const life = transition(initialLifecycle("blog"), { type: "boot" }, DEFAULT_BACKOFF).state;
    const failed = transition(
      life,
      { type: "start_failed", reason: "release failed", hint: "restored db.sqlite3 from snapshots/r1/" },
      DEFAULT_BACKOFF,
    );
    expect(failed.effects).toEqual([
      expect.objectContaining({
        event: "app.start_failed",
        fields: { reason: "release failed", hint: "restored db.sqlite3 from snapshots/r1/" },
      }),
    ]);
    const plain = transition(life, { type: "start_failed", reason: "release failed" }, DEFAULT_BACKOFF);
    expect(plain.effects).toEqual([expect.objectContaining({ fields: { reason: "release failed" } })]);
  });

  it("a refusal that protects data (not an unreachable replica) is failed, and retried all the same", () => {
    const refused: LifecycleEvent = {
      type: "boot_failed",
      reason: "replica is empty, but it has been replicated",
      code: "REPLICA_MARKER_MISMATCH",
      now: 0,
    };
    const { life, steps } = play([{ type: "boot" }, refused]);
    expect(steps[1]).toMatchObject({ state: "failed", reason: "replica is empty, but it has been replicated" });
    expect(life.retryAt).toBe(bootRetryDelay(1, DEFAULT_BACKOFF));
  });

  it("boot → waiting (reason, next try) while S3 is down → retry → running, the retries slowing down", () => {
    const { life, steps } = play([{ type: "boot" }, unreachable(0)]);
    expect(steps[1]).toEqual({
      state: "waiting",
      reason: "replica unreachable: connect ECONNREFUSED; next try in 5 s",
      effects: ["log:app.boot_failed", "schedule_retry"],
    });
    expect(life.retryAt).toBe(bootRetryDelay(1, DEFAULT_BACKOFF));
    const second = play([{ type: "retry_due" }, unreachable(5000)], life);
    expect(second.steps.map((s) => s.state)).toEqual(["restoring", "waiting"]);
    expect(second.life.retryAt).toBe(5000 + 10_000);
    const third = play(
      [
        { type: "retry_due" },
        { type: "restored" },
        { type: "litestream_started", hasRelease: true, canDeploy: false },
        { type: "processes", states: ["running"] },
      ],
      second.life,
    );
    expect(third.steps.map((s) => s.state)).toEqual(["restoring", "starting", "starting", "running"]);
    expect(third.life).toMatchObject({ bootFailures: 0, retryAt: undefined, reason: undefined });
  });

  it("crash → backoff (starting, with the reason) → crashloop → running again", () => {
    const { steps } = play([
      { type: "boot" },
      { type: "restored" },
      { type: "litestream_started", hasRelease: true, canDeploy: false },
      { type: "processes", states: ["running"] },
      { type: "processes", states: ["backoff"] },
      { type: "processes", states: ["crashloop"] },
      { type: "processes", states: ["running"] },
    ]);
    expect(steps.slice(3).map((s) => [s.state, s.reason])).toEqual([
      ["running", undefined],
      ["starting", "a process exited and is being restarted"],
      ["crashloop", "a process keeps exiting: hostctl logs blog"],
      ["running", undefined],
    ]);
  });

  it("stop during boot: nothing more starts, the failed restore schedules no retry, and it ends stopped with the reason", () => {
    const { life, steps } = play([
      { type: "boot" },
      { type: "stop", reason: "stopped for hostctl restore", shutdown: false },
      unreachable(0),
      { type: "restored" },
      { type: "stopped", reason: "stopped for hostctl restore" },
    ]);
    expect(steps[1]?.effects).toEqual(["cancel_retry", "stop_all"]);
    expect(steps[2]?.effects).toEqual(["log:app.boot_failed"]);
    expect(steps[3]?.effects).toEqual([]);
    expect(life).toMatchObject({ state: "stopped", reason: "stopped for hostctl restore", retryAt: undefined });
    // A retry that fires after the stop does nothing; `hostctl start` boots again.
    expect(play([{ type: "retry_due" }], life).steps[0]?.effects).toEqual([]);
    expect(play([{ type: "boot" }], life).steps[0]).toMatchObject({ state: "restoring", effects: ["restore"] });
  });

  it("after shutdown no boot starts anything", () => {
    const { life } = play([
      { type: "boot" },
      { type: "restored" },
      { type: "stop", reason: undefined, shutdown: true },
      { type: "stopped", reason: undefined },
    ]);
    expect(play([{ type: "boot" }], life).steps[0]).toMatchObject({ state: "stopped", effects: [] });
  });

  it("reload: stop, then boot again from the start (restore first)", () => {
    const { steps } = play([
      { type: "boot" },
      { type: "restored" },
      { type: "litestream_started", hasRelease: true, canDeploy: false },
      { type: "processes", states: ["running"] },
      { type: "stop", reason: undefined, shutdown: false },
      { type: "stopped", reason: undefined },
      { type: "boot" },
    ]);
    expect(steps.slice(3).map((s) => [s.state, s.effects])).toEqual([
      ["running", []],
      ["running", ["cancel_retry", "stop_all"]],
      ["stopped", []],
      ["restoring", ["restore"]],
    ]);
  });

  it("the boot-retry policy doubles from 5× the process base to its max, with no crashloop", () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => bootRetryDelay(n, DEFAULT_BACKOFF))).toEqual([
      5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000,
    ]);
  });
});
