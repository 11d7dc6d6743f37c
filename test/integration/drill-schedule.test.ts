import type { ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { execa } from "execa";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { restoreArgs } from "../../src/litestream/args.js";
import { litestreamEnv } from "../../src/s3/credentials.js";
import { newBucket } from "../helpers/s3.js";
import { sql } from "../helpers/sqlite.js";
import { waitFor } from "../helpers/wait.js";
import type { HostContext } from "../../src/host/context.js";
import { loadApps } from "../../src/apps/registry.js";
import { appPaths } from "../../src/config/paths.js";
import { readMetricsPorts } from "../../src/litestream/ports.js";
import { LagTracker } from "../../src/litestream/lag.js";
import { scrapeLitestream } from "../../src/litestream/scrape.js";
import { readDrills } from "../../src/drills/history.js";
import { drillMetrics, renderMetrics } from "../../src/drills/metrics.js";
import type { DrillResult } from "../../src/drills/result.js";
import { DrillScheduler } from "../../src/drills/scheduler.js";
import {
  addApp,
  binary,
  credentials,
  dbPath,
  hostContext,
  initHost,
  killAllLitestream,
  seedDb,
  startLitestream,
  stopLitestream,
  waitReplicated,
  type TestHost,
} from "./drill-harness.js";
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
    const scheduler = new DrillScheduler({
      apps: await loadApps(ctx.paths),
      ctx,
      onResult: (r) => void results.push(r),
    });
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
    const text = renderMetrics({
      apps: [
        {
          app: "shop",
          up: true,
          restarts: { web: 2 },
          databases: [{ database: "db.sqlite3", ...drills, replicaLagSeconds: 0 }],
        },
      ],
    });
    const samples = parsePrometheus(text);
    expect(samples.get('hostctl_drill_last_ok{app="shop",database="db.sqlite3"}')).toBe(1);
    expect(
      samples.get('hostctl_drill_last_success_timestamp_seconds{app="shop",database="db.sqlite3"}'),
    ).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(samples.get('hostctl_process_restarts_total{app="shop",process="web"}')).toBe(2);
  });
});

describe("replication lag from Litestream's own metrics", () => {
  it("reads the positions of the running Litestream: caught up, unreachable once it stops, caught up again with the new write after a restart", async () => {
    const port = (await readMetricsPorts(ctx.paths)).shop;
    expect(port).toBeDefined();
    const tracker = new LagTracker();
    const db = dbPath(host, "shop");
    const target = { port: port!, databases: [{ path: db }] };
    const caughtUp = async () =>
      waitFor(
        "a caught-up replica",
        async () => {
          const lag = tracker.observe(await scrapeLitestream(target), new Date()).find((l) => l.db === db);
          return lag && !lag.behind ? lag : undefined;
        },
        15_000,
        250,
      );
    expect((await caughtUp()).lag_s).toBe(0);
    await stopLitestream(child);
    await sql(db, "INSERT INTO items(body) VALUES ('after stop');");
    await expect(scrapeLitestream(target)).rejects.toThrow();
    child = startLitestream(host, "shop");
    // The write made while Litestream was down is local only: caught up means the replica acknowledged it.
    await waitFor(
      "a caught-up replica after the restart",
      async () => {
        const lag = await scrapeLitestream(target).then(
          (s) => tracker.observe(s, new Date()).find((l) => l.db === db),
          () => undefined,
        );
        return lag && !lag.behind ? lag : undefined;
      },
      15_000,
      100,
    );
    const out = join(await tempDir("restored"), "db.sqlite3");
    const restore = await execa(
      binary,
      restoreArgs({ configPath: join(host.home, "run", "litestream", "shop.yml"), dbPath: db, outputPath: out }),
      { env: litestreamEnv(credentials), extendEnv: false, reject: false },
    );
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(await sql(out, "SELECT body FROM items WHERE body = 'after stop';")).toContain("after stop");
  });
});
