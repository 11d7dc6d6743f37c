import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../../src/apps/context.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { validateHostConfig } from "../../../src/config/host.js";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import type { AppSpec } from "../../../src/config/schema.js";
import { readDrills } from "../../../src/drills/history.js";
import type { DrillResult } from "../../../src/drills/result.js";
import { DrillScheduler } from "../../../src/drills/scheduler.js";
import { systemClock } from "../../../src/lib/clock.js";
import { createRunner } from "../../../src/lib/exec.js";
import { createLogger } from "../../../src/lib/log.js";
import { createReplicaStore } from "../../../src/s3/store.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

async function context(concurrency: number): Promise<HostContext> {
  const home = await tempDir("sched");
  const host = validateHostConfig({ replica: { url: `file://${join(home, "replica")}` }, drills: { concurrency } }, "hostctl.yml");
  const log = createLogger("silent");
  return {
    paths: hostPaths(home), host, log, run: createRunner(log), clock: systemClock, env: {}, credentials: undefined,
    store: createReplicaStore(host, undefined), litestream: "litestream", progress: () => undefined,
  };
}

function app(name: string, schedule: string): AppSpec {
  return validateAppSpec({ name, repo: "/r", port: 8001, databases: [{ path: "db.sqlite3" }], drill: { schedule } }, "app.yml");
}

function slowDrill(ms: number, track: { now: number; max: number }) {
  return async (spec: AppSpec): Promise<DrillResult> => {
    track.now++;
    track.max = Math.max(track.max, track.now);
    await new Promise((resolve) => setTimeout(resolve, ms));
    track.now--;
    return { ok: true, app: spec.name, started_at: new Date().toISOString(), duration_ms: ms, trigger: "schedule", live: true, versions: null, databases: [] };
  };
}

describe("DrillScheduler", () => {
  it("skips and records a firing that would overlap the same app's running drill", async () => {
    const ctx = await context(1);
    const results: DrillResult[] = [];
    const scheduler = new DrillScheduler({ apps: [app("blog", "* * * * * *")], ctx, drill: slowDrill(2500, { now: 0, max: 0 }), onResult: (r) => void results.push(r) });
    scheduler.start();
    try {
      await waitFor("a finished drill after a skipped one", () => results.some((r) => !r.skipped) && results.some((r) => r.skipped), 8000, 50);
    } finally {
      await scheduler.stop();
    }
    const history = await readDrills(appPaths(ctx.paths, "blog").drills);
    expect(history.find((d) => d.skipped)).toMatchObject({ app: "blog", ok: false, skipped: true, reason: "skipped: the previous drill of this app is still running" });
    expect(history.some((d) => d.ok && !d.skipped)).toBe(true);
  });

  it("runs at most drills.concurrency drills at once across apps", async () => {
    const ctx = await context(1);
    const track = { now: 0, max: 0 };
    const results: DrillResult[] = [];
    const scheduler = new DrillScheduler({ apps: [app("a", "*/2 * * * * *"), app("b", "*/2 * * * * *")], ctx, drill: slowDrill(600, track), onResult: (r) => void results.push(r) });
    scheduler.start();
    try {
      await waitFor("both apps drilled", () => ["a", "b"].every((n) => results.some((r) => r.app === n && !r.skipped)), 8000, 50);
    } finally {
      await scheduler.stop();
    }
    expect(track.max).toBe(1);
  });
});
