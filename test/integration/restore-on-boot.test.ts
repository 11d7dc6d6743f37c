import { access, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, deleteAll, listKeys, newBucket, startPrivateS3 } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import { ENGINES, engineEnv } from "../helpers/engines.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";

let env: Record<string, string> = TEST_CREDENTIALS;
let endpoint: string;
let bucket: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];

async function newHost(replicaUrl: string, s3Endpoint: string, port: number): Promise<string> {
  const home = join(await tempDir(), "home");
  expect(
    (
      await runCli(home, ["init", "--replica-url", replicaUrl, "--s3-endpoint", s3Endpoint, "--s3-force-path-style"], {
        env,
      })
    ).exitCode,
  ).toBe(0);
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "shop",
        "--kind",
        "generic",
        "--repo",
        "/unused",
        "--port",
        String(port),
        "--db",
        "db.sqlite3",
      ])
    ).exitCode,
  ).toBe(0);
  await installRelease(home, "shop", "generic-app");
  return home;
}

async function appStatus(home: string) {
  return (await hostStatus(home)).apps[0];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  ({ endpoint, bucket, client } = await newBucket());
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe.each(ENGINES)("restore-on-boot (Litestream %s)", (line) => {
  const boot = `boot-${line}`;
  beforeAll(() => {
    env = { ...TEST_CREDENTIALS, ...engineEnv(line) };
  });

  it("a fresh host restores the database from the replica before the app starts, and serves its rows", async () => {
    const port = await freePort();
    const first = await newHost(`s3://${bucket}/${boot}`, endpoint, port);
    const a = await startSupervisor(first, env);
    await waitFor("first host to serve", async () => (await httpGet(port, "/")).status === 200);
    for (let i = 0; i < 7; i++) expect((await httpPost(port, "/rows", `row ${i}`)).status).toBe(201);
    expect(await a.stop("SIGTERM")).toBe(0);

    const second = await newHost(`s3://${bucket}/${boot}`, endpoint, port);
    const b = await startSupervisor(second, env);
    await waitFor(
      "the second host to serve the restored rows",
      async () =>
        (await httpGet(port, "/rows")).body.includes('"count": 7') ||
        (await httpGet(port, "/rows")).body.includes('"count":7'),
    );
    const status = await appStatus(second);
    expect(status?.databases).toEqual([expect.objectContaining({ path: "db.sqlite3", action: "restored" })]);
    expect(await readdir(join(second, "apps", "shop", "data"))).not.toContain("db.sqlite3.tmp-wal");
    expect(await b.stop("SIGTERM")).toBe(0);
  });

  it("refuses to start fresh when the replica is empty but the marker says the app was replicated", async () => {
    const port = await freePort();
    await waitFor(
      "the marker object",
      async () => (await listKeys(client, bucket, `${boot}/_hostctl/markers/shop/`)).length === 1,
    );
    await deleteAll(client, bucket, `${boot}/shop/`);
    const home = await newHost(`s3://${bucket}/${boot}`, endpoint, port);
    const sup = await startSupervisor(home, env);
    await waitForSocket(home);
    const status = await waitFor("the app to fail", async () => {
      const s = await appStatus(home);
      return s?.state === "failed" ? s : undefined;
    });
    expect(status.reason).toMatch(/replica is empty, but it has been replicated since/);
    expect(await exists(join(home, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    await sup.stop("SIGTERM");
  });

  it("with S3 down the app is not started and no database is created; once S3 is back it starts", async () => {
    const port = await freePort();
    const s3 = await startPrivateS3();
    s3.createBucket("outage");
    const s3Port = s3.port;
    const home = await newHost(`s3://outage/${line}`, s3.endpoint, port);
    await s3.stop();
    const stray = join(home, "apps", "shop", "data", "db.sqlite3-wal");
    await writeFile(stray, "left by a crash");
    const sup = await startSupervisor(home, { ...env, HOSTCTL_BACKOFF_SCALE: "0.1" });
    await waitForSocket(home);
    // The README's promise: the app waits for its replica, says why and when it tries again.
    const failed = await waitFor("the app to be held back", async () => {
      const s = await appStatus(home);
      return s?.state === "waiting" ? s : undefined;
    });
    expect(failed.reason).toMatch(
      /db\.sqlite3 is missing and its replica cannot be read, so the app is not started: cannot reach the replica.*; next try in \d+ s$/,
    );
    expect(Date.parse(failed.next_retry_at ?? "")).toBeGreaterThan(Date.now() - 1000);
    // Retries come every ~1 s here, so the table may catch one under way: wait for it to show the wait.
    await waitFor("`status` to show the app waiting", async () =>
      /shop\s+waiting/.test((await runCli(home, ["status"])).stdout),
    );
    expect(failed.processes).toEqual([]);
    expect(await exists(join(home, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    expect(await exists(stray)).toBe(true);
    await expect(httpGet(port, "/")).rejects.toThrow();

    const back = await startPrivateS3(s3Port);
    back.createBucket("outage");
    try {
      await waitFor(
        "the app to start once S3 is back",
        async () => (await appStatus(home))?.state === "running",
        30_000,
      );
      await waitAnswering(port);
      expect((await httpGet(port, "/")).body).toBe("generic ok");
      const data = await readdir(join(home, "apps", "shop", "data"));
      expect(data.some((f) => f.startsWith("db.sqlite3-wal.stray-"))).toBe(true);
      expect(await sup.stop("SIGTERM")).toBe(0);
    } finally {
      await back.stop();
    }
  });
});

describe("a database renamed in app.yml (issue 30 item 2)", () => {
  const renamed = (text: string) => text.replace("path: db.sqlite3", "path: main.sqlite3");

  it("restart refuses with exit 1 naming both names, the app keeps its rows; app rename-db then renames it", async () => {
    env = TEST_CREDENTIALS;
    const port = await freePort();
    const home = await newHost(`s3://${bucket}/renamed-restart`, endpoint, port);
    const sup = await startSupervisor(home, env);
    await waitFor("the app to serve", async () => (await httpGet(port, "/")).status === 200);
    for (let i = 0; i < 3; i++) expect((await httpPost(port, "/rows", `row ${i}`)).status).toBe(201);
    const spec = join(home, "apps", "shop", "app.yml");
    await writeFile(spec, renamed(await readFile(spec, "utf8")));
    const restart = await runCli(home, ["restart", "shop"]);
    expect(restart.stderr).toContain('database "main.sqlite3" is missing and has no replica');
    expect(restart.stderr).toContain('database "db.sqlite3" is no longer in app.yml');
    expect(restart.stderr).toContain("put back path: db.sqlite3");
    expect(restart.exitCode).toBe(1);
    expect((await httpGet(port, "/rows")).body).toMatch(/"count": ?3/);
    expect(await appStatus(home)).toMatchObject({
      state: "running",
      databases: [expect.objectContaining({ path: "db.sqlite3" })],
    });
    expect(await exists(join(home, "apps", "shop", "data", "main.sqlite3"))).toBe(false);
    // A Litestream respawned now would read this: it must still name the database the app writes.
    const litestreamConfig = await readFile(join(home, "run", "litestream", "shop.yml"), "utf8");
    expect(litestreamConfig).toContain("db.sqlite3");
    expect(litestreamConfig).not.toContain("main.sqlite3");

    // What the refusal offers: the file renamed under the stopped app, which then serves the same rows.
    expect(restart.stderr).toContain("hostctl app rename-db shop db.sqlite3 main.sqlite3");
    const renameDb = await runCli(home, ["app", "rename-db", "shop", "db.sqlite3", "main.sqlite3"], { env });
    expect(renameDb.exitCode, renameDb.stderr).toBe(0);
    await waitAnswering(port);
    expect((await httpGet(port, "/rows")).body).toMatch(/"count": ?3/);
    expect(await appStatus(home)).toMatchObject({
      state: "running",
      databases: [expect.objectContaining({ path: "main.sqlite3", action: "present" })],
    });
    expect(await exists(join(home, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    await waitFor(
      "main.sqlite3 in the replica",
      async () => (await listKeys(client, bucket, "renamed-restart/shop/main.sqlite3/")).length > 0,
    );
    expect(await sup.stop("SIGTERM")).toBe(0);
  });

  it("a boot after the rename leaves the app failed with the reason and creates no empty database", async () => {
    env = TEST_CREDENTIALS;
    const port = await freePort();
    const home = await newHost(`s3://${bucket}/renamed-boot`, endpoint, port);
    const first = await startSupervisor(home, env);
    await waitFor("the app to serve", async () => (await httpGet(port, "/")).status === 200);
    expect((await httpPost(port, "/rows", "kept")).status).toBe(201);
    await waitFor(
      "the marker object",
      async () => (await listKeys(client, bucket, "renamed-boot/_hostctl/markers/shop/")).length === 1,
    );
    expect(await first.stop("SIGTERM")).toBe(0);
    const spec = join(home, "apps", "shop", "app.yml");
    await writeFile(spec, renamed(await readFile(spec, "utf8")));
    const sup = await startSupervisor(home, env);
    await waitForSocket(home);
    const failed = await waitFor("the app to fail", async () => {
      const s = await appStatus(home);
      return s?.state === "failed" ? s : undefined;
    });
    expect(failed.reason).toContain(
      '"main.sqlite3" is missing and has no replica, while the app\'s database "db.sqlite3" is no longer in app.yml',
    );
    expect(await exists(join(home, "apps", "shop", "data", "main.sqlite3"))).toBe(false);
    await sup.stop("SIGTERM");
  });
});
