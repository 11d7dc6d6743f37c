import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, startPrivateS3 } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { sql } from "../helpers/sqlite.js";
import { FIXTURES, addGenericApp, installRelease } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { fetchMetricsText } from "../../src/litestream/scrape.js";
import { parseLitestreamMetrics } from "../../src/litestream/metrics-v03.js";
import { parseMetricsV05 } from "../../src/litestream/metrics-v05.js";
import { BUILTIN_TEMPLATE_V05 } from "../../src/litestream/engine-v05.js";
import { ENGINES, engineEnv } from "../helpers/engines.js";

const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  await killAllSupervisors();
  for (const stop of stops) await stop().catch(() => undefined);
  await cleanupTempDirs();
});

type Replication = { database: string; lag_s: number; behind: boolean };

async function replication(home: string): Promise<Replication | undefined> {
  const app = (await hostStatus<{ apps: { name: string; replication?: Replication[] }[] }>(home)).apps.find(
    (a) => a.name === "shop",
  );
  return app?.replication?.[0];
}

/** Inserts a row every 300 ms until stopped: steady writes, as a live site makes. */
function writeSteadily(db: string): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      await sql(db, `INSERT INTO rows(body) VALUES ('w${i}');`).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

// The engines run side by side: each has its own S3, home, supervisor and ports.
describe.concurrent.each(ENGINES)("replication lag in status and the deploy guard (Litestream %s)", (line) => {
  const env = { ...TEST_CREDENTIALS, ...engineEnv(line) };
  it("stays about the sync interval across checkpoints, grows while S3 is down (deploys refused), and comes back with S3", async () => {
    const s3 = await startPrivateS3();
    stops.push(s3.stop);
    s3.createBucket("lag");
    const home = join(await tempDir(), "home");
    expect(
      (
        await runCli(
          home,
          ["init", "--replica-url", "s3://lag/h", "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    // A checkpoint every few seconds of steady writes: each one starts a new shadow WAL file.
    const template = join(home, "litestream-checkpoints.yml.tmpl");
    const builtin = await readFile(line === "0.5" ? BUILTIN_TEMPLATE_V05 : join(ROOT, "litestream.yml.tmpl"), "utf8");
    await writeFile(
      template,
      builtin.replace('  - path: "{{db.path}}"\n', '  - path: "{{db.path}}"\n    checkpoint-interval: 12s\n'),
    );
    const doc = parseDocument(await readFile(join(home, "hostctl.yml"), "utf8"));
    doc.setIn(["litestream", "template"], template);
    await writeFile(join(home, "hostctl.yml"), doc.toString());
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "shop", repo.dir, ["--max-lag", "8s"], { env });
    expect(add.exitCode, add.stderr).toBe(0);
    await installRelease(home, "shop", "generic-app");
    const db = join(home, "apps", "shop", "data", "db.sqlite3");
    await startSupervisor(home, env);
    await waitForSocket(home);
    await waitFor("shop running with a lag reading", async () => (await replication(home)) !== undefined, 30_000);
    const port = (
      JSON.parse(await readFile(join(home, "run", "litestream", "ports.json"), "utf8")) as Record<string, number>
    ).shop!;
    // 0.3: the shadow WAL index (one per checkpoint); 0.5: the TXID (one per synced transaction batch).
    const parse = line === "0.5" ? parseMetricsV05 : parseLitestreamMetrics;
    const shadowIndex = async () =>
      parse(await fetchMetricsText(port, 2000)).find((d) => d.db === db)?.shadow.index ?? -1;

    let stopWriting = writeSteadily(db);
    try {
      // Steady state across two checkpoints, 12 s apart: the lag stays within a few sync intervals (reading
      // shadow_wal_size as an offset, it read 5 s, then 10 s, one observation interval more each time).
      const startIndex = await shadowIndex();
      const readings: number[] = [];
      await waitFor(
        "two checkpoints under steady writes",
        async () => {
          const r = await replication(home);
          if (r) readings.push(r.lag_s);
          return (await shadowIndex()) >= startIndex + 2 && readings.length >= 12;
        },
        60_000,
        1000,
      );
      expect(Math.max(...readings)).toBeLessThan(6);

      // S3 down: the writes wait, the lag grows past max_lag, and a deploy is refused.
      await s3.stop();
      const behind = await waitFor(
        "the lag to pass 8 s",
        async () => {
          const r = await replication(home);
          return r && r.lag_s > 8 ? r : undefined;
        },
        40_000,
        1000,
      );
      expect(behind.behind).toBe(true);
      const refused = await runCli(home, ["deploy", "shop"], { env, timeoutMs: 30_000 });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/DEPLOY_REFUSED.*\d+s behind on .*db\.sqlite3 \(limit 8s\)/);
      // The status page's history shows the refused deploy, with the reason.
      const history = (await readFile(join(home, "apps", "shop", "deploys.jsonl"), "utf8")).trim().split("\n");
      const event = JSON.parse(history.at(-1) ?? "{}") as { kind?: string; ok?: boolean; error?: string };
      expect([event.kind, event.ok]).toEqual(["deploy", false]);
      expect(event.error).toMatch(/behind/);

      // S3 back on the same port: Litestream ships the backlog and the lag returns to about the sync interval.
      const back = await startPrivateS3(s3.port);
      stops.push(back.stop);
      back.createBucket("lag");
      await waitFor(
        "the lag back under 3 s",
        async () => {
          const r = await replication(home);
          return r !== undefined && r.lag_s < 3;
        },
        60_000,
        1000,
      );
      await stopWriting();
      stopWriting = () => Promise.resolve();
      // Once the writes stop and the last one is shipped, the replica reads caught up: not behind, lag 0.
      const caughtUp = await waitFor(
        "caught up once the writes stop",
        async () => {
          const r = await replication(home);
          return r && !r.behind ? r : undefined;
        },
        30_000,
        1000,
      );
      expect(caughtUp.lag_s).toBe(0);
    } finally {
      await stopWriting();
    }
  }, 120_000);
});
