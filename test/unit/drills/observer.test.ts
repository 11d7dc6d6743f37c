import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { appPaths } from "../../../src/config/paths.js";
import { FIRST_OBSERVE_MS, OBSERVE_MS, DrillsObserver, type ObservedApp } from "../../../src/drills/observer.js";
import type { DrillResult } from "../../../src/drills/result.js";
import type { CronSchedule } from "../../../src/lib/cron.js";
import type { AppFacts } from "../../../src/supervisor/control-protocol.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

const drill = (app: string, startedAt: string, ok: boolean): DrillResult => ({
  ok,
  app,
  started_at: startedAt,
  duration_ms: 5,
  trigger: "schedule",
  live: true,
  versions: null,
  databases: [],
});

describe("DrillsObserver on a fake clock", () => {
  it("status shows the last drill: one the schedule ran, then one `hostctl drill` appended in its own process", async () => {
    const clock = new FakeClock(Date.parse("2026-11-29T12:00:00Z"));
    const ctx = await unitContext(clock);
    const spec = validateAppSpec(
      { name: "blog", repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }] },
      "app.yml",
    );
    const paths = appPaths(ctx.paths, "blog");
    const facts: Partial<AppFacts> = {};
    const app: ObservedApp = {
      spec,
      paths,
      metricsPort: undefined,
      litestreamRunning: false,
      report: (key, value) => void (facts[key] = value as never),
      restartLitestream: () => Promise.resolve(),
      status: () => ({ state: "running", processes: [] }),
    };
    const jobs = new Map<string, () => void>();
    const cron: CronSchedule = (_expression, job, name) => {
      jobs.set(name, job);
      return { stop: () => Promise.resolve(void jobs.delete(name)) };
    };
    const observer = new DrillsObserver(ctx, {
      cron,
      drill: (s) => Promise.resolve(drill(s.name, "2026-11-29T12:00:01.000Z", true)),
    });
    observer.add(app);
    await observer.ready();
    expect(facts.last_drill).toBeNull();
    observer.start();
    jobs.get("drill:blog")?.();
    await waitFor("the scheduled drill in status", () => facts.last_drill?.at === "2026-11-29T12:00:01.000Z", 5000, 5);
    expect(facts.last_drill).toMatchObject({ ok: true, skipped: false });

    await mkdir(dirname(paths.drills), { recursive: true });
    await appendFile(paths.drills, `${JSON.stringify(drill("blog", "2026-11-29T12:05:00.000Z", false))}\n`);
    await clock.advance(FIRST_OBSERVE_MS + OBSERVE_MS);
    await waitFor("the appended drill in status", () => facts.last_drill?.at === "2026-11-29T12:05:00.000Z", 5000, 5);
    expect(facts.last_drill).toMatchObject({ ok: false });
    expect(observer.metrics(() => undefined)[0]).toMatchObject({ app: "blog", up: true });
    await observer.stop();
    expect(jobs.size).toBe(0);
    expect(clock.timers()).toEqual([]);
  });
});
