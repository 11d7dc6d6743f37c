import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { FIXTURES, PYTHON } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { newBucket, TEST_CREDENTIALS } from "../helpers/s3.js";
import { sql } from "../helpers/sqlite.js";
import { cleanupTempDirs } from "../helpers/tmp.js";
import {
  addApp,
  initHost,
  killAllLitestream,
  seedDb,
  startLitestream,
  stopLitestream,
  waitReplicated,
} from "./drill-harness.js";

afterAll(async () => {
  await killAllLitestream();
  await cleanupTempDirs();
});

describe("a deploy that restores a missing database", () => {
  it("writes the app's Litestream config from hostctl.yml first, so the restore reads the replica it names now", async () => {
    const s3 = await newBucket();
    const host = await initHost(s3.endpoint, s3.bucket);
    const repo = await gitRepo({ fixture: join(FIXTURES, "django-app") });
    const db = await addApp(host, "blog", [
      "--repo",
      repo.dir,
      "--python",
      PYTHON,
      "--system-site-packages",
      "--healthcheck-path",
      "/health",
    ]);
    await seedDb(db, 40);
    const litestream = startLitestream(host, "blog");
    await waitReplicated(s3.client, s3.bucket, host, "blog");
    await stopLitestream(litestream);

    // A config left from an older hostctl.yml: it names a prefix that holds nothing.
    const config = join(host.home, "run", "litestream", "blog.yml");
    const current = await readFile(config, "utf8");
    expect(current).toContain(host.prefix);
    await writeFile(config, current.replaceAll(host.prefix, "hosts/elsewhere"));
    for (const suffix of ["", "-wal", "-shm"]) await rm(`${db}${suffix}`, { force: true });

    const deploy = await runCli(host.home, ["deploy", "blog"], { env: TEST_CREDENTIALS, timeoutMs: 120_000 });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    expect(deploy.stderr).toMatch(/restore\s.*db\.sqlite3 restored/);
    expect(await sql(db, "SELECT count(*) FROM items;", true)).toBe("40");
    expect(await readFile(config, "utf8")).toBe(current);
  });
});
