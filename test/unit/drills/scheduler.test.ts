import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../../src/host/context.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { validateHostConfig } from "../../../src/config/host.js";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import type { AppSpec } from "../../../src/config/schema.js";
import { readDrills } from "../../../src/drills/history.js";
import type { DrillResult } from "../../../src/drills/result.js";
import { DrillScheduler } from "../../../src/drills/scheduler.js";
import { systemClock } from "../../../src/lib/clock.js";
import type { CronSchedule } from "../../../src/lib/cron.js";
import { createRunner } from "../../../src/lib/exec.js";
import { createLogger } from "../../../src/lib/log.js";
import { createReplicaStore } from "../../../src/s3/store.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

async function context(concurrency: number): Promise<HostContext> {
  const home = await tempDir("sched");
  const host = validateHostConfig(
    { replica: { url: `file://${join(home, "replica")}` }, drills: { concurrency } },
    "hostctl.yml",
  );
  const log = createLogger("silent");
  return {
    paths: hostPaths(home),
    host,
    log,
    run: createRunner(log),
    clock: systemClock,
    env: {},
    credentials: undefined,
    store: createReplicaStore(host, undefined),
    litestream: "litestream",
  };
}

function app(name: string, schedule: string): AppSpec {
  return validateAppSpec(
    { name, repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }], drill: { schedule } },
    "app.yml",
  );
}

/** Captures each schedule's job so the test fires it, instead of waiting for node-cron. */
function capturedCron() {
  const jobs = new Map<string, () => void>();
  const cron: CronSchedule = (_expression, job, name) => {
    jobs.set(name, job);
    return { stop: () => Promise.resolve(void jobs.delete(name)) };
  };
  return { cron, fire: (name: string) => jobs.get(name)?.(), names: () => [...jobs.keys()] };
}

/** A drill that runs until the test ends it, counting how many run at once. */
function heldDrill(track: { now: number; max: number }) {
  const ends: (() => void)[] = [];
  const drill = async (spec: AppSpec): Promise<DrillResult> => {
    track.now++;
    track.max = Math.max(track.max, track.now);
    await new Promise<void>((resolve) => ends.push(resolve));
    track.now--;
    return {
      ok: true,
      app: spec.name,
      started_at: new Date().toISOString(),
      duration_ms: 1,
      trigger: "schedule",
      live: true,
      versions: null,
      databases: [],
    };
  };
  return { drill, started: () => ends.length, endNext: () => ends.shift()?.() };
}

describe("DrillScheduler", () => {
  it("skips and records a firing that would overlap the same app's running drill", async () => {
    const ctx = await context(1);
    const results: DrillResult[] = [];
    const { cron, fire } = capturedCron();
    const held = heldDrill({ now: 0, max: 0 });
    const scheduler = new DrillScheduler({
      apps: [app("blog", "* * * * *")],
      ctx,
      cron,
      drill: held.drill,
      onResult: (r) => void results.push(r),
    });
    scheduler.start();
    try {
      fire("drill:blog");
      await waitFor("the first drill running", () => held.started() === 1, 5000, 5);
      fire("drill:blog");
      await waitFor("the overlapping firing recorded as skipped", () => results.some((r) => r.skipped), 5000, 5);
      held.endNext();
      await waitFor("the first drill finished", () => results.some((r) => !r.skipped), 5000, 5);
    } finally {
      await scheduler.stop();
    }
    expect(held.started()).toBe(0);
    const history = await readDrills(appPaths(ctx.paths, "blog").drills);
    expect(history.map((d) => d.skipped ?? false)).toEqual([true, false]);
    expect(history[0]).toMatchObject({
      app: "blog",
      ok: false,
      skipped: true,
      reason: "skipped: the previous drill of this app is still running",
    });
  });

  it("runs at most drills.concurrency drills at once across apps", async () => {
    const ctx = await context(1);
    const track = { now: 0, max: 0 };
    const results: DrillResult[] = [];
    const { cron, fire, names } = capturedCron();
    const held = heldDrill(track);
    const scheduler = new DrillScheduler({
      apps: [app("a", "*/2 * * * *"), app("b", "*/2 * * * *")],
      ctx,
      cron,
      drill: held.drill,
      onResult: (r) => void results.push(r),
    });
    scheduler.start();
    expect(names().sort()).toEqual(["drill:a", "drill:b"]);
    try {
      fire("drill:a");
      fire("drill:b");
      await waitFor("one drill running", () => held.started() === 1, 5000, 5);
      held.endNext();
      await waitFor("the second app's drill running", () => held.started() === 1 && results.length === 1, 5000, 5);
      held.endNext();
      await waitFor(
        "both apps drilled",
        () => ["a", "b"].every((n) => results.some((r) => r.app === n && !r.skipped)),
        5000,
        5,
      );
    } finally {
      await scheduler.stop();
    }
    expect(track.max).toBe(1);
  });

  it("stop() stops the schedules", async () => {
    const ctx = await context(1);
    const { cron, names } = capturedCron();
    const scheduler = new DrillScheduler({
      apps: [app("a", "* * * * *")],
      ctx,
      cron,
      drill: heldDrill({ now: 0, max: 0 }).drill,
    });
    scheduler.start();
    expect(names()).toEqual(["drill:a"]);
    await scheduler.stop();
    expect(names()).toEqual([]);
  });
});
