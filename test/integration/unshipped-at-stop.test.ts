import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, startPrivateS3 } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { addGenericApp, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
} from "../helpers/supervisor.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

const replication = async (home: string) => (await hostStatus(home)).apps[0]?.replication ?? [];

describe("a shutdown with writes the replica does not have", () => {
  it("logs litestream.unshipped_at_stop with how many seconds were not shipped, and says it on stderr", async () => {
    const s3 = await startPrivateS3();
    s3.createBucket("unshipped");
    let s3Stopped = false;
    try {
      const home = join(await tempDir(), "home");
      const init = await runCli(
        home,
        ["init", "--replica-url", "s3://unshipped/host", "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
        { env: TEST_CREDENTIALS },
      );
      expect(init.exitCode, init.stderr).toBe(0);
      expect((await addGenericApp(home, "shop", "/unused")).exitCode).toBe(0);
      await installRelease(home, "shop", "generic-app");
      const sup = await startSupervisor(home, TEST_CREDENTIALS);
      await waitForSocket(home);
      await waitAppRunning(home, sup, 30_000);
      const port = (await hostStatus(home)).apps[0]?.port ?? 0;
      await waitAnswering(port);
      expect((await httpPost(port, "/rows", "body=shipped")).status).toBe(201);
      await waitFor(
        "the first write shipped",
        async () => ((await replication(home)).some((r) => !r.behind) ? true : undefined),
        30_000,
        500,
      );

      await s3.stop();
      s3Stopped = true;
      expect((await httpPost(port, "/rows", "body=unshipped")).status).toBe(201);
      await waitFor(
        "the write waiting 2 s",
        async () => (await replication(home)).some((r) => r.behind && r.lag_s >= 2) || undefined,
        30_000,
        500,
      );
      expect(await sup.stop("SIGTERM")).toBe(0);
      const log = await sup.log();
      const event = log
        .split("\n")
        .filter((l) => l.includes('"event":"litestream.unshipped_at_stop"'))
        .map((l) => JSON.parse(l) as { app: string; lag_s: number; databases: { database: string; lag_s: number }[] });
      expect(event).toHaveLength(1);
      expect(event[0]?.app).toBe("shop");
      expect(event[0]?.lag_s).toBeGreaterThanOrEqual(2);
      expect(event[0]?.databases.map((d) => d.database)).toEqual([expect.stringContaining("db.sqlite3")]);
      expect(log).toMatch(
        /hostctl: warning: shop: the last [\d.]+ s of writes to .*db\.sqlite3 had not reached the replica/,
      );
    } finally {
      if (!s3Stopped) await s3.stop();
    }
  }, 120_000);
});
