import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { countRows } from "../helpers/sqlite.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, httpGet, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  killHost,
  type RunningSupervisor,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
} from "../helpers/supervisor.js";
import {
  addLitefsSection,
  initWithPlainFrontDoor,
  mountsUnder,
  processesNaming,
  unmountAll,
} from "../helpers/litefs.js";
import { pathExists } from "../../src/lib/fs.js";
import { engineEnv } from "../helpers/engines.js";

const env = TEST_CREDENTIALS;
let root: string;
let s3: Awaited<ReturnType<typeof newBucket>>;
const running: RunningSupervisor[] = [];

interface Node {
  name: string;
  home: string;
  port: number;
  litefsPort: number;
}

async function newNode(name: string, role: "candidate" | "replica", primary?: Node, prefix = "cluster"): Promise<Node> {
  const home = join(root, name);
  await initWithPlainFrontDoor(
    home,
    ["--replica-url", `s3://${s3.bucket}/${prefix}`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
    env,
  );
  const litefsPort = await freePort();
  // Each node's front door serves the app on the app's port (no domains): the primary's is where writes go.
  await addLitefsSection(home, {
    node: name,
    role,
    portBase: litefsPort,
    ...(primary
      ? { primary: { node: primary.name, portBase: primary.litefsPort, frontDoor: `http://127.0.0.1:${primary.port}` } }
      : {}),
    writePaths: ["/admin/", "/port"],
  });
  const port = await freePort();
  const added = await runCli(home, [
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
    "--replication",
    "litefs",
  ]);
  expect(added.exitCode, added.stderr).toBe(0);
  await installRelease(home, "shop", "generic-app");
  return { name, home, port, litefsPort };
}

async function shop(home: string) {
  return (await hostStatus(home)).apps[0];
}

async function startRunning(node: Node): Promise<RunningSupervisor> {
  const sup = await startSupervisor(node.home, env, join(node.home, `up-${Date.now()}.log`));
  running.push(sup);
  await waitForSocket(node.home);
  await waitAppRunning(node.home, sup, 60_000);
  await waitAnswering(node.port, "/rows");
  return sup;
}

async function rowCount(port: number): Promise<number> {
  const answer = await httpGet(port, "/rows");
  return (JSON.parse(answer.body) as { count: number }).count;
}

beforeAll(async () => {
  s3 = await newBucket();
  root = await tempDir("litefs");
});

afterAll(async () => {
  await killAllSupervisors();
  await unmountAll(root);
  await cleanupTempDirs();
});

describe("LiteFS: a primary and a replica on one machine", () => {
  let primary: Node;
  let replica: Node;

  it("mounts LiteFS under the supervisor: the app writes inside the mount on the primary, the replica follows within 1 s", async () => {
    primary = await newNode("web-1", "candidate");
    replica = await newNode("web-2", "replica", primary);
    await startRunning(primary);
    expect(await mountsUnder(primary.home)).toEqual([join(primary.home, "apps", "shop", "litefs")]);
    expect((await httpPost(primary.port, "/rows", "first")).status).toBe(201);
    await startRunning(replica);
    expect(await pathExists(join(replica.home, "apps", "shop", "litefs", ".primary"))).toBe(true);
    expect((await readFile(join(replica.home, "apps", "shop", "litefs", ".primary"), "utf8")).trim()).toBe("web-1");
    await waitFor("the first row on the replica", async () => (await rowCount(replica.port)) === 1, 5000, 50);

    const before = Date.now();
    expect((await httpPost(primary.port, "/rows", "second")).status).toBe(201);
    await waitFor("the second row on the replica", async () => (await rowCount(replica.port)) === 2, 1000, 20);
    expect(Date.now() - before).toBeLessThan(1000);
    // The database is in the mount only: nothing was created in the data directory.
    expect(await pathExists(join(primary.home, "apps", "shop", "data", "db.sqlite3"))).toBe(false);
    // Straight to the replica's web process, past its front door, a write fails: LiteFS holds the copy read-only.
    const livePort = (await shop(replica.home))?.live_port;
    expect(livePort).toBeTypeOf("number");
    const refused = await httpPost(livePort ?? 0, "/rows", "on the replica").catch(() => ({ status: 0 }));
    expect(refused.status).not.toBe(201);
    await waitAnswering(replica.port, "/rows");
    expect(await rowCount(replica.port)).toBe(2);
    expect(await rowCount(primary.port)).toBe(2);
    expect(await readFile(join(replica.home, "apps", "shop", "logs", "litefs.log"), "utf8")).toContain(
      "read only replica",
    );
    // A form POST to the replica's front door lands on the primary, then is visible on both.
    const forwarded = await httpPost(replica.port, "/rows", "name=posted-to-the-replica");
    expect(forwarded.status, forwarded.body).toBe(201);
    expect(await rowCount(primary.port)).toBe(3);
    await waitFor("the forwarded row on the replica", async () => (await rowCount(replica.port)) === 3, 1000, 20);
    // A path in write_paths goes to the primary whatever its method: /port answers the primary's web port.
    expect((await httpGet(replica.port, "/port")).body).toBe(String((await shop(primary.home))?.live_port));
    expect((await httpGet(replica.port, "/rows")).status).toBe(200);

    // doctor checks what LiteFS needs on the host.
    const doctor = JSON.parse(
      (await runCli(replica.home, ["doctor", "--json"], { env, timeoutMs: 60_000 })).stdout,
    ) as {
      checks: { name: string; ok: boolean; detail: string }[];
    };
    const litefsChecks = doctor.checks.filter((c) => /^(litefs|\/dev\/fuse|fusermount3)/.test(c.name));
    expect(litefsChecks.map((c) => c.name)).toEqual([
      "litefs",
      "litefs root",
      "/dev/fuse",
      "fusermount3",
      expect.stringMatching(/^litefs binary/),
    ]);
    expect(
      litefsChecks.every((c) => c.ok),
      JSON.stringify(litefsChecks),
    ).toBe(true);

    // The primary's Litestream backs the database in the mount up: a restore drill proves it.
    const drill = await runCli(primary.home, ["drill", "shop", "--json"], { env, timeoutMs: 120_000 });
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    const status = await shop(replica.home);
    expect(status?.litefs).toMatchObject({ role: "replica", state: "running" });
    expect(status?.litestream).toMatchObject({ state: "none" });
    expect(await pathExists(join(replica.home, "apps", "shop", "logs", "litestream.log"))).toBe(false);
  }, 180_000);

  it("stops apps, then Litestream, then LiteFS: every mount is gone after a graceful stop", async () => {
    for (const sup of running.splice(0).reverse()) expect(await sup.stop("SIGTERM")).toBe(0);
    expect(await mountsUnder(root)).toEqual([]);
  }, 60_000);
});

describe("LiteFS: backups", () => {
  it("the primary's Litestream backup restores every row on a fresh LiteFS primary (restore, then litefs import) and on a fresh single host", async () => {
    const fresh = await newNode("web-3", "candidate");
    const sup = await startRunning(fresh);
    expect(await rowCount(fresh.port)).toBe(3);
    const boot = await sup.log();
    expect(boot).toContain('"event":"database.restored"');
    expect((await httpPost(fresh.port, "/rows", "third")).status).toBe(201);
    expect(await sup.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(sup), 1);
    expect(await mountsUnder(fresh.home)).toEqual([]);

    const single = join(root, "single");
    expect(
      (
        await runCli(
          single,
          ["init", "--replica-url", `s3://${s3.bucket}/cluster`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    const port = await freePort();
    expect(
      (
        await runCli(single, [
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
    await installRelease(single, "shop", "generic-app");
    const plain = await startRunning({ name: "single", home: single, port, litefsPort: 0 });
    expect(await rowCount(port)).toBe(4);
    expect(await plain.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(plain), 1);
  }, 180_000);
});

describe("LiteFS: backups with Litestream 0.5", () => {
  it("the primary's Litestream 0.5 replicates the database in the mount; a fresh single host on 0.5 restores every row", async () => {
    const v5 = { ...env, ...engineEnv("0.5") };
    const node = await newNode("v5-1", "candidate", undefined, "engine05");
    const sup = await startSupervisor(node.home, v5, join(node.home, "up.log"));
    running.push(sup);
    await waitForSocket(node.home);
    await waitAppRunning(node.home, sup, 60_000);
    await waitAnswering(node.port, "/rows");
    for (const body of ["a", "b", "c"]) expect((await httpPost(node.port, "/rows", body)).status).toBe(201);
    // 0.5 ships on its own schedule: the drill passes once the replica holds the writes.
    await waitFor(
      "a passing drill",
      async () => (await runCli(node.home, ["drill", "shop", "--json"], { env: v5, timeoutMs: 60_000 })).exitCode === 0,
      60_000,
      1000,
    );
    expect(await sup.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(sup), 1);

    const single = join(root, "single-v5");
    expect(
      (
        await runCli(
          single,
          [
            "init",
            "--replica-url",
            `s3://${s3.bucket}/engine05`,
            "--s3-endpoint",
            s3.endpoint,
            "--s3-force-path-style",
          ],
          { env: v5 },
        )
      ).exitCode,
    ).toBe(0);
    const port = await freePort();
    expect(
      (
        await runCli(
          single,
          [
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
          ],
          { env: v5 },
        )
      ).exitCode,
    ).toBe(0);
    await installRelease(single, "shop", "generic-app");
    const plain = await startSupervisor(single, v5, join(single, "up.log"));
    running.push(plain);
    await waitForSocket(single);
    await waitFor("shop running on the single host", async () => (await shop(single))?.state === "running", 60_000);
    await waitAnswering(port, "/rows");
    expect(await rowCount(port)).toBe(3);
    expect(await plain.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(plain), 1);
  }, 180_000);
});

describe("LiteFS: failover with a static lease", () => {
  it("primary SIGKILLed → cluster promote on the replica → the site takes writes there with every row; the old primary does not come back as primary, and rejoins as a replica", async () => {
    const first = await newNode("fo-1", "candidate", undefined, "failover");
    const second = await newNode("fo-2", "replica", first, "failover");
    const a = await startRunning(first);
    for (const body of ["one", "two"]) expect((await httpPost(first.port, "/rows", body)).status).toBe(201);
    const b = await startRunning(second);
    await waitFor("both rows on the replica", async () => (await rowCount(second.port)) === 2, 5000, 50);
    const before = JSON.parse((await runCli(second.home, ["cluster", "status", "--json"])).stdout) as {
      apps: { role: string; primary: string; databases: { txid: number; behind: number }[] }[];
    };
    expect(before.apps[0]).toMatchObject({ role: "replica", primary: "fo-1" });
    expect(before.apps[0]?.databases[0]?.behind).toBe(0);

    // The primary's host dies: every process SIGKILLed, its mount gone with it (as after a power cut).
    await killHost(first.home, a);
    running.splice(running.indexOf(a), 1);
    await unmountAll(first.home);
    // The replica's front door answers writes 503 while it has no primary; reads still work.
    await waitFor(
      "writes refused while there is no primary",
      async () => (await httpPost(second.port, "/rows", "lost").catch(() => ({ status: 0 }))).status === 503,
      15_000,
    );
    expect(await rowCount(second.port)).toBe(2);

    expect(await b.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(b), 1);
    const refused = await runCli(second.home, ["cluster", "promote"], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/error\[LEASE_HELD\].*\n.*cluster promote --force/s);
    const promoted = await runCli(second.home, ["cluster", "promote", "--force"], { env });
    expect(promoted.exitCode, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain("fo-2 is now the candidate");
    await startRunning(second);
    expect(await rowCount(second.port)).toBe(2);
    expect((await httpPost(second.port, "/rows", "three")).status).toBe(201);
    expect(await rowCount(second.port)).toBe(3);
    const after = JSON.parse((await runCli(second.home, ["cluster", "status", "--json"])).stdout) as {
      apps: { role: string; primary: string }[];
    };
    expect(after.apps[0]).toMatchObject({ role: "primary", primary: "fo-2" });

    // The old primary, started again as it was, is refused at once: it was replaced (the lease's epoch moved on).
    const comeback = await startSupervisor(first.home, env, join(first.home, "comeback.log"));
    expect((await comeback.child).exitCode).toBe(1);
    expect(await comeback.log()).toMatch(
      new RegExp(
        `LEASE_SUPERSEDED[\\s\\S]*hostctl cluster rejoin --primary fo-2 --primary-advertise http://127.0.0.1 --primary-front-door URL --primary-port-base ${second.litefsPort}`,
      ),
    );
    expect(await mountsUnder(first.home)).toEqual([]);

    // Rejoined as a replica, it follows the new primary and sends its writes there.
    const rejoined = await runCli(
      first.home,
      [
        "cluster",
        "rejoin",
        "--primary",
        "fo-2",
        "--primary-advertise",
        "http://127.0.0.1",
        "--primary-front-door",
        `http://127.0.0.1:${second.port}`,
        "--primary-port-base",
        String(second.litefsPort),
      ],
      { env },
    );
    expect(rejoined.exitCode, rejoined.stderr).toBe(0);
    await startRunning(first);
    await waitFor(
      "every row on the old primary, now a replica",
      async () => (await rowCount(first.port)) === 3,
      10_000,
      50,
    );
    expect((await httpPost(first.port, "/rows", "four")).status).toBe(201);
    expect(await rowCount(second.port)).toBe(4);
    await waitFor(
      "the fourth row back on the rejoined replica",
      async () => (await rowCount(first.port)) === 4,
      2000,
      20,
    );
    for (const sup of running.splice(0).reverse()) expect(await sup.stop("SIGTERM")).toBe(0);
    expect(await mountsUnder(root)).toEqual([]);
  }, 240_000);
});

describe("LiteFS: a replica started before its primary", () => {
  it("fails its boot (LiteFS not ready), retries with the same litefs mount, follows the primary once it is up, and leaves nothing running or mounted at stop", async () => {
    const first = await newNode("late-1", "candidate", undefined, "late");
    const second = await newNode("late-2", "replica", first, "late");
    const config = join(second.home, "run", "litefs", "shop.yml");
    // LiteFS readiness gets 5 s instead of 30 (HOSTCTL_LITEFS_READY_MS): the boot fails sooner, the same way.
    const fast = { ...env, HOSTCTL_BACKOFF_SCALE: "0.2", HOSTCTL_LITEFS_READY_MS: "5000" };
    const sup = await startSupervisor(second.home, fast, join(second.home, "up.log"));
    running.push(sup);
    await waitForSocket(second.home);
    // The failed state lasts only until the boot retry (1 s at this backoff scale), shorter than one
    // `status --json` on a loaded machine: the supervisor's log is the durable record of the failure.
    const bootFailures = async () =>
      (await sup.log()).split("\n").filter((line) => line.includes('"event":"app.boot_failed"'));
    await waitFor(
      "the replica's boot to fail",
      async () =>
        (await bootFailures()).some((line) =>
          /LiteFS not ready after 5 s: this node is not primary and has no connection to the primary/.test(line),
        ),
      // Several boot attempts (5 s of waiting for LiteFS each): a first one that failed for another reason on
      // a loaded machine is followed by this one.
      100_000,
      500,
    ).catch(async (error: unknown) => {
      // Say how the boot failed instead, or where it stood (a CI run timed out here with nothing to go on).
      const failures = await bootFailures();
      const said = failures.length > 0 ? failures.join("\n") : (await sup.log()).split("\n").slice(-30).join("\n");
      throw new Error(`${String(error)}\n${said}`);
    });
    expect((await shop(second.home))?.state).not.toBe("running");
    expect(await processesNaming(config)).toHaveLength(1);
    await startRunning(first);
    await waitFor("the replica running", async () => (await shop(second.home))?.state === "running", 90_000, 500).catch(
      async (error: unknown) => {
        const state = await shop(second.home);
        const tail = (await sup.log()).split("\n").slice(-30).join("\n");
        throw new Error(`${String(error)}\nstate ${state?.state}: ${state?.reason}\n${tail}`);
      },
    );
    expect(await processesNaming(config)).toHaveLength(1);
    expect((await httpPost(first.port, "/rows", "late")).status).toBe(201);
    await waitFor("the row on the replica", async () => (await rowCount(second.port)) === 1, 2000, 50);
    for (const one of running.splice(0).reverse()) expect(await one.stop("SIGTERM")).toBe(0);
    expect(await processesNaming(config)).toEqual([]);
    expect(await mountsUnder(second.home)).toEqual([]);
  }, 240_000);
});

describe("LiteFS: a stop leaves no mount behind", () => {
  it("a file held open in the mount at stop (LiteFS cannot unmount): the supervisor unmounts it and says so", async () => {
    const node = await newNode("held-1", "candidate", undefined, "held");
    const sup = await startRunning(node);
    const mount = join(node.home, "apps", "shop", "litefs");
    // As an operator's shell in the mount, or a read still in flight, would hold it.
    const held = await open(mount, "r");
    try {
      expect(await sup.stop("SIGTERM")).toBe(0);
      running.splice(running.indexOf(sup), 1);
      expect(await mountsUnder(node.home)).toEqual([]);
      expect(await sup.log()).toContain('"event":"litefs.mount_left"');
    } finally {
      await held.close().catch(() => undefined);
    }
  }, 120_000);
});

describe("LiteFS config checks", () => {
  it("app add refuses a LiteFS template with an unknown key: exit 2 naming the key, nothing written", async () => {
    const home = join(root, "bad-template");
    expect(
      (
        await runCli(
          home,
          ["init", "--replica-url", `s3://${s3.bucket}/bad`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
          {
            env,
          },
        )
      ).exitCode,
    ).toBe(0);
    await addLitefsSection(home, { node: "web-1", role: "candidate", portBase: 23000 });
    const builtin = await readFile(join(import.meta.dirname, "..", "..", "templates", "litefs.yml.tmpl"), "utf8");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(home, "litefs.yml.tmpl"), builtin.replace("fuse:\n", "fuse:\n  allow_others: true\n"));
    const added = await runCli(home, [
      "app",
      "add",
      "shop",
      "--kind",
      "generic",
      "--repo",
      "/unused",
      "--port",
      "8123",
      "--db",
      "db.sqlite3",
      "--replication",
      "litefs",
    ]);
    expect(added.exitCode).toBe(2);
    expect(added.stderr).toMatch(/litefs\.yml\.tmpl:\d+:3 fuse\.allow_others: unknown key/);
    expect(await pathExists(join(home, "apps", "shop"))).toBe(false);
    expect(await pathExists(join(home, "run", "litefs", "shop.yml"))).toBe(false);
  });

  it("app add refuses a LiteFS app without a litefs: section in hostctl.yml (exit 2)", async () => {
    const home = join(root, "no-section");
    expect(
      (
        await runCli(
          home,
          ["init", "--replica-url", `s3://${s3.bucket}/none`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
          {
            env,
          },
        )
      ).exitCode,
    ).toBe(0);
    const added = await runCli(home, [
      "app",
      "add",
      "shop",
      "--kind",
      "generic",
      "--repo",
      "/unused",
      "--port",
      "8124",
      "--db",
      "db.sqlite3",
      "--replication",
      "litefs",
    ]);
    expect(added.exitCode).toBe(2);
    expect(added.stderr).toContain("litefs: expected a litefs: section");
    expect(await pathExists(join(home, "apps", "shop"))).toBe(false);
  });
});

describe("LiteFS: a replaced primary never serves or backs up its older copy", () => {
  /** A fresh single host restores the app from the replica target: the rows any new host would get. */
  async function rowsOnAFreshHost(prefix: string): Promise<number> {
    const home = join(root, `fresh-${Date.now()}`);
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
    const restored = await runCli(home, ["restore", "shop"], { env });
    expect(restored.exitCode, restored.stderr).toBe(0);
    return countRows(join(home, "apps", "shop", "data", "db.sqlite3"), "rows");
  }

  it("primary SIGKILLed, replica promoted and written to: the old primary, started unchanged, exits 1 naming cluster rejoin, also once the new primary stopped; the replica target keeps the newer rows", async () => {
    const first = await newNode("st-1", "candidate", undefined, "stale");
    const second = await newNode("st-2", "replica", first, "stale");
    const a = await startRunning(first);
    for (let i = 0; i < 20; i++) expect((await httpPost(first.port, "/rows", `row ${i}`)).status).toBe(201);
    const b = await startRunning(second);
    await waitFor("20 rows on the replica", async () => (await rowCount(second.port)) === 20, 10_000, 50);

    await killHost(first.home, a);
    running.splice(running.indexOf(a), 1);
    await unmountAll(first.home);
    expect(await b.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(b), 1);
    const promoted = await runCli(second.home, ["cluster", "promote", "--force"], { env });
    expect(promoted.exitCode, promoted.stderr).toBe(0);
    const newPrimary = await startRunning(second);
    for (let i = 20; i < 26; i++) expect((await httpPost(second.port, "/rows", `row ${i}`)).status).toBe(201);
    expect(await rowCount(second.port)).toBe(26);

    const rejoin = `hostctl cluster rejoin --primary st-2 --primary-advertise http://127.0.0.1 --primary-front-door URL --primary-port-base ${second.litefsPort}`;
    const whileLive = await startSupervisor(first.home, env, join(first.home, "while-live.log"));
    expect((await whileLive.child).exitCode).toBe(1);
    expect(await whileLive.log()).toContain("LEASE_SUPERSEDED");
    expect(await whileLive.log()).toContain(rejoin);

    // A graceful stop releases the lease: the moment the old primary used to take it back.
    expect(await newPrimary.stop("SIGTERM")).toBe(0);
    running.splice(running.indexOf(newPrimary), 1);
    const keys = await listKeys(s3.client, s3.bucket, "stale/");
    const afterRelease = await startSupervisor(first.home, env, join(first.home, "after-release.log"));
    expect((await afterRelease.child).exitCode).toBe(1);
    const log = await afterRelease.log();
    expect(log).toContain("LEASE_SUPERSEDED");
    expect(log).toContain(rejoin);
    expect(log).not.toContain('"event":"litefs.ready"');
    expect(await mountsUnder(first.home)).toEqual([]);
    expect(await listKeys(s3.client, s3.bucket, "stale/")).toEqual(keys);
    expect(await rowsOnAFreshHost("stale")).toBe(26);
  }, 240_000);
});
