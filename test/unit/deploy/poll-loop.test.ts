import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import type { AppSpec } from "../../../src/config/schema.js";
import { DeployPollLoop, type PolledApp } from "../../../src/deploy/poll-loop.js";
import type { PollOutcome, PollState } from "../../../src/deploy/poll.js";
import type { AppFacts } from "../../../src/supervisor/control-protocol.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

function polledApp(name: string, poll: string | undefined): PolledApp & { reports: AppFacts["deploy_poll"][] } {
  const spec = validateAppSpec({ name, repo: "/r", port: 8001, ...(poll ? { deploy: { poll } } : {}) }, "app.yml");
  const reports: AppFacts["deploy_poll"][] = [];
  return { spec, state: "running", reports, report: (_key, value) => void reports.push(value) };
}

describe("DeployPollLoop on a fake clock", () => {
  it("checks each app with deploy.poll at its interval, only while it runs and the host is not fenced, and reports the outcome", async () => {
    const clock = new FakeClock(0);
    const calls: { app: string; state: PollState; at: number }[] = [];
    let fenced = false;
    const poll = (spec: AppSpec, state: PollState): Promise<PollOutcome> => {
      calls.push({ app: spec.name, state, at: clock.now().getTime() });
      return Promise.resolve({
        state: { checked_at: clock.now().toISOString(), head: `c${calls.length}` },
        action: "up-to-date",
      });
    };
    const loop = new DeployPollLoop(await unitContext(clock), { fenced: () => fenced, poll });
    const blog = polledApp("blog", "30s");
    const other = polledApp("other", undefined);
    loop.add(blog);
    loop.add(other);
    loop.start();
    await clock.advance(29_999);
    expect(calls).toEqual([]);
    await clock.advance(1);
    expect(calls).toEqual([{ app: "blog", state: {}, at: 30_000 }]);
    expect(blog.reports).toEqual([
      { checked_at: new Date(30_000).toISOString(), head: "c1", last_action: "up-to-date" },
    ]);
    blog.state = "deploying";
    await clock.advance(30_000);
    blog.state = "running";
    fenced = true;
    await clock.advance(30_000);
    expect(calls).toHaveLength(1);
    fenced = false;
    await clock.advance(30_000);
    // The state of the last check is handed to the next one.
    expect(calls[1]).toEqual({
      app: "blog",
      state: { checked_at: new Date(30_000).toISOString(), head: "c1" },
      at: 120_000,
    });
    await loop.stop();
    await clock.advance(300_000);
    expect(calls).toHaveLength(2);
    expect(clock.timers()).toEqual([]);
  });

  it("never runs two checks of one app at once; a removed app is no longer checked", async () => {
    const clock = new FakeClock(0);
    let started = 0;
    let finish: (() => void) | undefined;
    const poll = (): Promise<PollOutcome> => {
      started++;
      return new Promise((resolve) => (finish = () => resolve({ state: {}, action: "deployed", commit: "abc" })));
    };
    const loop = new DeployPollLoop(await unitContext(clock), { fenced: () => false, poll });
    const blog = polledApp("blog", "10s");
    loop.add(blog);
    loop.start();
    await clock.advance(35_000);
    expect(started).toBe(1);
    finish?.();
    await clock.advance(10_000);
    expect(started).toBe(2);
    expect(blog.reports).toEqual([{ last_action: "deployed" }]);
    finish?.();
    loop.remove("blog");
    await clock.advance(60_000);
    expect(started).toBe(2);
  });
});
