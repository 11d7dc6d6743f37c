import type { ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupTempDirs } from "../helpers/tmp.js";
import { newBucket } from "../helpers/s3.js";
import { sql } from "../helpers/sqlite.js";
import { waitFor } from "../helpers/wait.js";
import type { HostContext } from "../../src/apps/context.js";
import { loadApps } from "../../src/apps/registry.js";
import { appPaths } from "../../src/config/paths.js";
import { readMetricsPorts } from "../../src/litestream/ports.js";
import { LagTracker, scrapeLitestream } from "../../src/litestream/lag.js";
import { readDrills } from "../../src/drills/history.js";
import { drillMetrics, renderMetrics } from "../../src/drills/metrics.js";
import type { DrillResult } from "../../src/drills/result.js";
import { DrillScheduler } from "../../src/drills/scheduler.js";
import { addApp, dbPath, hostContext, initHost, killAllLitestream, seedDb, startLitestream, stopLitestream, waitReplicated, type TestHost } from "./drill-harness.js";
import { parsePrometheus } from "../unit/drills/prometheus.js";

let host: TestHost;
let ctx: HostContext;
let child: ResultPromise;

beforeAll(async () => {
  const s3 = await newBucket();
  host = await initHost(s3.endpoint, s3.bucket);
  await seedDb(await addApp(host, "shop", ["--kind", "generic", "--drill-schedule", "*/2 * * * * *"]), 100);
  child = startLitestream(host, "shop");
  await waitReplicated(s3.client, s3.bucket, host, "shop");
  ctx = await hostContext(host);
});

afterAll(async () => {
  ctx.store.close();
  await killAllLitestream();
  await cleanupTempDirs();
});

describe("scheduled drills", () => {
  it("fires on the app's cron schedule (seconds field) and records the drill as scheduled", async () => {
    const results: DrillResult[] = [];
    const scheduler = new DrillScheduler({ apps: await loadApps(ctx.paths), ctx, onResult: (r) => void results.push(r) });
    scheduler.start();
    try {
      await waitFor("a scheduled drill", () => results.length > 0, 15_000, 100);
    } finally {
      await scheduler.stop();
    }
    expect(results[0]).toMatchObject({ ok: true, app: "shop", trigger: "schedule" });
    const history = await readDrills(appPaths(ctx.paths, "shop").drills);
    expect(history.some((d) => d.trigger === "schedule" && d.ok)).toBe(true);
  });

  it("renders /metrics from the history as valid Prometheus text", async () => {
    const history = await readDrills(appPaths(ctx.paths, "shop").drills);
    const drills = drillMetrics(history).get("db.sqlite3");
    const text = renderMetrics({ apps: [{ app: "shop", up: true, restarts: { web: 2 }, databases: [{ database: "db.sqlite3", ...drills, replicaLagSeconds: 0 }] }] });
    const samples = parsePrometheus(text);
    expect(samples.get('hostctl_drill_last_ok{app="shop",database="db.sqlite3"}')).toBe(1);
    expect(samples.get('hostctl_drill_last_success_timestamp_seconds{app="shop",database="db.sqlite3"}')).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(samples.get('hostctl_process_restarts_total{app="shop",process="web"}')).toBe(2);
  });
});

describe("replication lag from Litestream's own metrics", () => {
  it("reads the positions of the running Litestream and reports caught up, then behind once it stops", async () => {
    const port = (await readMetricsPorts(ctx.paths)).shop;
    expect(port).toBeDefined();
    const tracker = new LagTracker();
    const db = dbPath(host, "shop");
    const caughtUp = await waitFor("a caught-up replica", async () => {
      const lag = tracker.observe(await scrapeLitestream(port!), new Date()).find((l) => l.db === db);
      return lag && !lag.behind ? lag : undefined;
    }, 15_000, 250);
    expect(caughtUp.lag_s).toBe(0);
    await stopLitestream(child);
    await sql(db, "INSERT INTO items(body) VALUES ('after stop');");
    await expect(scrapeLitestream(port!)).rejects.toThrow();
    const later = new Date(Date.now() + 5000);
    expect(tracker.stale(later).find((l) => l.db === db)).toMatchObject({ behind: true });
    expect(tracker.stale(later).find((l) => l.db === db)?.lag_s).toBeGreaterThanOrEqual(5);
  });
});
