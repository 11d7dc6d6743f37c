import { createServer } from "node:http";
import { access, readFile, writeFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease } from "../helpers/apps.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { litestream05Binary } from "../helpers/tools.js";

/** Litestream 0.5 as the engine, and the way between 0.3 and 0.5 replicas (docs/litestream-engines.md). */

const V05 = { ...TEST_CREDENTIALS, HOSTCTL_LITESTREAM: litestream05Binary() };
const V03 = TEST_CREDENTIALS;
let endpoint: string;
let bucket: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];

async function newHost(
  prefix: string,
  port: number,
  settings: Record<string, unknown> = {},
  env: Record<string, string> = V03,
): Promise<string> {
  const home = join(await tempDir(), "home");
  expect(
    (
      await runCli(
        home,
        ["init", "--replica-url", `s3://${bucket}/${prefix}`, "--s3-endpoint", endpoint, "--s3-force-path-style"],
        {
          env: V03,
        },
      )
    ).exitCode,
  ).toBe(0);
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  for (const [path, value] of Object.entries(settings)) doc.setIn(path.split("."), value);
  await writeFile(file, doc.toString());
  const add = await runCli(
    home,
    ["app", "add", "shop", "--kind", "generic", "--repo", "/unused", "--port", String(port), "--db", "db.sqlite3"],
    { env },
  );
  expect(add.exitCode, add.stderr).toBe(0);
  await installRelease(home, "shop", "generic-app");
  return home;
}

async function rowCount(port: number): Promise<number> {
  return (JSON.parse((await httpGet(port, "/rows")).body) as { count: number }).count;
}

async function shop(home: string) {
  return (await hostStatus(home)).apps.find((a) => a.name === "shop");
}

async function serving(port: number, rows: number): Promise<void> {
  await waitFor(`${rows} rows served`, async () => (await rowCount(port)) === rows, 40_000);
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

describe("Litestream 0.5 as the engine", () => {
  it("replicates, reports its version and lag, pings the heartbeat URL, passes a drill, and a fresh host restores on boot", async () => {
    const port = await freePort();
    let pings = 0;
    const heartbeat = createServer((_req, res) => {
      pings += 1;
      res.end("ok");
    });
    await new Promise<void>((resolve) => heartbeat.listen(0, "127.0.0.1", resolve));
    const address = heartbeat.address();
    const heartbeatUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/ping`;
    const first = await newHost("v05", port, { "litestream.heartbeat_url": heartbeatUrl }, V05);
    const a = await startSupervisor(first, V05);
    await serving(port, 0);
    for (let i = 0; i < 6; i++) expect((await httpPost(port, "/rows", `row ${i}`)).status).toBe(201);
    await waitFor(
      "LTX files in the replica",
      async () => (await listKeys(client, bucket, "v05/shop/db.sqlite3/0000/")).length > 0,
    );
    const status = await hostStatus(first);
    expect(status.litestream).toMatchObject({ version: "v0.5.14", line: "0.5" });
    expect((await runCli(first, ["status"])).stdout).toMatch(/Litestream v0\.5\.14/);
    expect((await runCli(first, ["doctor"], { env: V05 })).stdout).toMatch(
      /litestream\s+ok\s+v0\.5\.14 \(.*; engine 0\.5/,
    );
    // A binary that is not Litestream is refused up front, naming where it was configured.
    const wrong = await runCli(first, ["drill", "shop"], { env: { ...V05, HOSTCTL_LITESTREAM: "/bin/true" } });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(
      /HOSTCTL_LITESTREAM: \/bin\/true reports version ""; hostctl runs Litestream 0\.3\.x or 0\.5\.x/,
    );
    await waitFor(
      "a caught-up lag reading",
      async () => {
        const r = (await shop(first))?.replication as { behind: boolean; lag_s: number }[] | undefined;
        return r?.[0] !== undefined && !r[0].behind && r[0].lag_s === 0;
      },
      30_000,
      500,
    );
    const drill = await runCli(first, ["drill", "shop", "--json", "--no-live"], { env: V05 });
    // 0.5 checks its heartbeat every 15 s and pings while every database synced recently.
    await waitFor("a heartbeat ping", () => pings > 0, 40_000, 500);
    heartbeat.close();
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ ok: true, databases: [{ path: "db.sqlite3", ok: true }] });
    // 0.5 names no generation: the drill says nothing of one rather than "generation ?".
    expect(drill.stdout).not.toContain("generation ?");
    expect(await a.stop("SIGTERM")).toBe(0);

    const second = await newHost("v05", port, {}, V05);
    const b = await startSupervisor(second, V05);
    await serving(port, 6);
    expect((await shop(second))?.databases).toEqual([
      expect.objectContaining({ path: "db.sqlite3", action: "restored" }),
    ]);
    expect(await b.stop("SIGTERM")).toBe(0);
  }, 120_000);
});

describe("litestream.heartbeat_url", () => {
  it("is refused with exit 2 naming the key when the Litestream in use is 0.3 (it has no heartbeat)", async () => {
    const home = join(await tempDir(), "home");
    expect(
      (
        await runCli(
          home,
          ["init", "--replica-url", `s3://${bucket}/hb`, "--s3-endpoint", endpoint, "--s3-force-path-style"],
          { env: V03 },
        )
      ).exitCode,
    ).toBe(0);
    const file = join(home, "hostctl.yml");
    const doc = parseDocument(await readFile(file, "utf8"));
    doc.setIn(["litestream", "heartbeat_url"], "https://hc-ping.example/abc");
    await writeFile(file, doc.toString());
    const add = await runCli(
      home,
      [
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
      ],
      { env: V03 },
    );
    expect(add.exitCode).toBe(2);
    expect(add.stderr).toMatch(/litestream\.heartbeat_url needs Litestream 0\.5; the Litestream in use is v0\.3\.13/);
    expect(await exists(join(home, "apps", "shop", "app.yml"))).toBe(false);
  }, 120_000);
});

describe("between 0.3 and 0.5 replicas", () => {
  it("upgrade: a replica written by 0.3 is restored by 0.5 with its rows, and new writes replicate", async () => {
    const port = await freePort();
    const old = await newHost("upgrade", port);
    const a = await startSupervisor(old, V03);
    await serving(port, 0);
    for (let i = 0; i < 5; i++) expect((await httpPost(port, "/rows", `old ${i}`)).status).toBe(201);
    expect(await a.stop("SIGTERM")).toBe(0);
    expect((await listKeys(client, bucket, "upgrade/shop/db.sqlite3/generations/")).length).toBeGreaterThan(0);

    const upgraded = await newHost("upgrade", port, {}, V05);
    const b = await startSupervisor(upgraded, V05);
    await serving(port, 5);
    for (let i = 0; i < 3; i++) expect((await httpPost(port, "/rows", `new ${i}`)).status).toBe(201);
    await waitFor(
      "0.5 LTX files beside the 0.3 generations",
      async () => (await listKeys(client, bucket, "upgrade/shop/db.sqlite3/0000/")).length > 0,
    );
    expect(await b.stop("SIGTERM")).toBe(0);

    const later = await newHost("upgrade", port, {}, V05);
    const c = await startSupervisor(later, V05);
    await serving(port, 8);
    expect(await c.stop("SIGTERM")).toBe(0);
  }, 120_000);

  it("downgrade: a replica written by 0.5 is refused by 0.3 with the reason, never restored empty or old", async () => {
    const port = await freePort();
    const home = await newHost("v05", port);
    const sup = await startSupervisor(home, V03);
    await waitForSocket(home);
    const failed = await waitFor("the app refused", async () => {
      const s = await shop(home);
      return s?.state === "failed" ? s : undefined;
    });
    expect(failed.reason).toMatch(/written by Litestream 0\.5, which Litestream v0\.3\.13 cannot restore/);
    expect(await exists(join(home, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    await sup.stop("SIGTERM");
  }, 120_000);
});
