import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import { countRows } from "../helpers/sqlite.js";
import {
  hostStatus,
  killAllSupervisors,
  killHost,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";
import { ENGINES, engineEnv } from "../helpers/engines.js";

let s3: Awaited<ReturnType<typeof newBucket>>;

beforeAll(async () => {
  s3 = await newBucket();
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe.each(ENGINES)("a single host replaced by up --takeover (Litestream %s)", (engine) => {
  const env = { ...TEST_CREDENTIALS, ...engineEnv(engine) };
  const prefix = `takeover-${engine.replace(".", "")}`;

  async function newHost(restore = false): Promise<string> {
    const home = join(await tempDir(), "home");
    const init = await runCli(
      home,
      ["init", "--replica-url", `s3://${s3.bucket}/${prefix}`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
      {
        env,
      },
    );
    expect(init.exitCode, init.stderr).toBe(0);
    const added = await runCli(home, [
      "app",
      "add",
      "shop",
      "--kind",
      "generic",
      "--repo",
      "/unused",
      "--port",
      String(await freePort()),
      "--db",
      "db.sqlite3",
    ]);
    expect(added.exitCode, added.stderr).toBe(0);
    if (restore) expect((await runCli(home, ["restore", "shop"], { env })).exitCode).toBe(0);
    else await installRelease(home, "shop", "generic-app");
    return home;
  }

  async function shop(home: string) {
    return (await hostStatus(home)).apps[0];
  }

  async function startRunning(home: string, args: string[] = []): Promise<RunningSupervisor> {
    const sup = await startSupervisor(home, env, join(await tempDir(), "up.log"), args);
    await waitForSocket(home);
    await waitFor("shop running", async () => (await shop(home))?.state === "running", 60_000);
    await waitAnswering((await shop(home))!.port);
    return sup;
  }

  async function rows(home: string): Promise<number> {
    return (JSON.parse((await httpGet((await shop(home))!.port, "/rows")).body) as { count: number }).count;
  }

  /** What the replica holds of the database itself (the lease and lineage objects aside). */
  async function dataKeys(): Promise<string[]> {
    return (await listKeys(s3.client, s3.bucket, `${prefix}/`)).filter((key) => !key.startsWith(`${prefix}/_hostctl/`));
  }

  it("the old host, restarted later, exits 1 naming hostctl rejoin and writes nothing; a fresh host gets the newer rows; a copy past the fence refuses to replicate; rejoin brings it back on the newer rows", async () => {
    const hostA = await newHost();
    const hostB = await newHost();
    const a = await startRunning(hostA);
    for (let i = 0; i < 3; i++) expect((await httpPost((await shop(hostA))!.port, "/rows", `a ${i}`)).status).toBe(201);
    await killHost(hostA, a);

    const b = await startRunning(hostB, ["--takeover"]);
    for (let i = 0; i < 2; i++) expect((await httpPost((await shop(hostB))!.port, "/rows", `b ${i}`)).status).toBe(201);
    const newer = await rows(hostB);
    expect(await b.stop("SIGTERM")).toBe(0);

    const keys = await listKeys(s3.client, s3.bucket, `${prefix}/`);
    const comeback = await startSupervisor(hostA, env, join(await tempDir(), "comeback.log"));
    expect((await comeback.child).exitCode).toBe(1);
    const said = await comeback.log();
    expect(said).toContain("LEASE_SUPERSEDED");
    expect(said).toContain("hostctl rejoin");
    expect(said).not.toContain('"event":"litestream.started"');
    expect(await listKeys(s3.client, s3.bucket, `${prefix}/`)).toEqual(keys);
    expect(await countRows(join(await newHost(true), "apps", "shop", "data", "db.sqlite3"), "rows")).toBe(newer);

    // Past the lease fence (its record and the lease object removed by hand), the lineage check still refuses.
    await rm(join(hostA, "lease-record.json"));
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/_hostctl/lease.json` }));
    const before = await dataKeys();
    const past = await startSupervisor(hostA, env, join(await tempDir(), "past.log"));
    await waitForSocket(hostA);
    const failed = await waitFor(
      "shop refused",
      async () => ((await shop(hostA))?.state === "failed" ? shop(hostA) : undefined),
      60_000,
    );
    expect(failed?.reason).toMatch(/this copy belongs to lineage \d+, but .* holds lineage \d+/);
    expect(await dataKeys()).toEqual(before);
    expect(await past.stop("SIGTERM")).toBe(0);

    const rejoined = await runCli(hostA, ["rejoin"], { env });
    expect(rejoined.exitCode, rejoined.stderr).toBe(0);
    expect(rejoined.stdout).toMatch(/set aside as \*\.stale-<time> .*: shop\/db\.sqlite3/);
    const back = await startRunning(hostA);
    expect(await rows(hostA)).toBe(newer);
    expect((await shop(hostA))?.litestream.state).toBe("running");
    expect((await readdir(join(hostA, "apps", "shop", "data"))).some((f) => f.startsWith("db.sqlite3.stale-"))).toBe(
      true,
    );
    expect(await back.stop("SIGTERM")).toBe(0);
  }, 240_000);
});
