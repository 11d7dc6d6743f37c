import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, freePort } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { appsRunning, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import { addLitefsSection } from "../helpers/litefs.js";
import type { RegistryEntry } from "../../src/registry/mirror.js";
import { TEST_CREDENTIALS, newBucket } from "../helpers/s3.js";
import { createServer, connect, type Server } from "node:net";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

const entries = async (replica: string) =>
  (await readdir(join(replica, "_hostctl", "registry")).catch(() => [] as string[])).sort();

describe("the app registry in the replica target", () => {
  it("a new host that has not recovered its apps yet adds to the registry and never erases the other apps' entries", async () => {
    const replica = join(await tempDir(), "replica");
    const hostA = join(await tempDir(), "host-a");
    expect((await runCli(hostA, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    for (const [name, port] of [
      ["blog", "8001"],
      ["shop", "8002"],
    ] as const) {
      expect(
        (await runCli(hostA, ["app", "add", name, "--repo", "/srv/x.git", "--port", port, "--db", "db.sqlite3"]))
          .exitCode,
      ).toBe(0);
    }
    expect(await entries(replica)).toEqual(["blog.json", "shop.json"]);

    // A fresh host with the same replica, before its first `up`: every registry-changing command mirrors.
    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    expect(
      (await runCli(hostB, ["app", "add", "wiki", "--kind", "generic", "--repo", "/srv/w.git", "--port", "8003"]))
        .exitCode,
    ).toBe(0);
    expect((await runCli(hostB, ["env", "set", "wiki", "A=1"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json", "shop.json", "wiki.json"]);

    // `app remove` deletes exactly the removed app's entry.
    expect((await runCli(hostB, ["app", "remove", "wiki"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json", "shop.json"]);
    expect((await runCli(hostA, ["app", "remove", "shop"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json"]);
  });

  it("a host that recovered an app without the env private key keeps the encrypted env and the live commit in the registry", async () => {
    const replica = join(await tempDir(), "replica");
    const entryFile = join(replica, "_hostctl", "registry", "gen.json");
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const port = String(await freePort());
    const head = await repo.git("rev-parse", "HEAD");
    const hostA = join(await tempDir(), "host-a");
    expect((await runCli(hostA, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const keys = JSON.parse((await runCli(hostA, ["keygen", "--json"])).stdout) as { public_key: string };
    const config = parseDocument(await readFile(join(hostA, "hostctl.yml"), "utf8"));
    config.setIn(["registry", "env_public_key"], keys.public_key);
    await writeFile(join(hostA, "hostctl.yml"), config.toString());
    expect(
      (await runCli(hostA, ["app", "add", "gen", "--kind", "generic", "--repo", repo.dir, "--port", port])).exitCode,
    ).toBe(0);
    expect((await runCli(hostA, ["env", "set", "gen", "SECRET=s3cr3t"])).exitCode).toBe(0);
    expect((await runCli(hostA, ["deploy", "gen"])).exitCode).toBe(0);
    const before = JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry;
    expect(before.env).toBeDefined();
    expect(before.live?.commit).toBe(head);

    // Host B comes up without HOSTCTL_ENV_KEY_FILE: gen is recovered with an empty env.
    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const b = await startSupervisor(hostB, {}, join(await tempDir(), "b.log"), ["--takeover"]);
    await waitForSocket(hostB);
    await waitFor("gen running on host B", () => appsRunning(hostB, 1), 60_000);
    // up copies the registry 5 s after it starts.
    await waitFor(
      "host B's registry copy",
      async () => (JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry).updated_at !== before.updated_at,
      20_000,
    );
    const after = JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry;
    expect(after.env).toEqual(before.env);
    expect(after.env_keys).toEqual(["SECRET"]);
    expect(after.live?.commit).toBe(head);
    expect(await b.stop("SIGTERM")).toBe(0);
  }, 120_000);

  it("a host without apps that cannot read the registry retries until it can, then brings the apps back", async () => {
    const env = TEST_CREDENTIALS;
    const { endpoint, bucket } = await newBucket();
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const port = String(await freePort());
    const hostA = join(await tempDir(), "host-a");
    expect(
      (
        await runCli(
          hostA,
          ["init", "--replica-url", `s3://${bucket}/r`, "--s3-endpoint", endpoint, "--s3-force-path-style"],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    expect(
      (await runCli(hostA, ["app", "add", "gen", "--kind", "generic", "--repo", repo.dir, "--port", port])).exitCode,
    ).toBe(0);
    expect((await runCli(hostA, ["deploy", "gen"], { env })).exitCode).toBe(0);

    // Host B's S3 endpoint is a port where nothing listens yet (the network is down at boot).
    const proxyPort = await freePort();
    const hostB = join(await tempDir(), "host-b");
    expect(
      (
        await runCli(
          hostB,
          [
            "init",
            "--replica-url",
            `s3://${bucket}/r`,
            "--s3-endpoint",
            `http://127.0.0.1:${proxyPort}`,
            "--s3-force-path-style",
          ],
          { env },
        )
      ).exitCode,
    ).toBe(0);
    const b = await startSupervisor(hostB, { ...env, HOSTCTL_BACKOFF_SCALE: "0.1" }, join(await tempDir(), "b.log"));
    await waitFor(
      "a failed registry read",
      async () => (await b.log()).includes('"event":"registry.read_failed"'),
      30_000,
    );
    let proxy: Server | undefined;
    try {
      const target = new URL(endpoint);
      proxy = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        client.pipe(upstream).pipe(client);
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(proxyPort, "127.0.0.1", resolve));
      await waitForSocket(hostB);
      await waitFor("gen recovered and running on host B", () => appsRunning(hostB, 1), 60_000);
      expect(await b.stop("SIGTERM")).toBe(0);
    } finally {
      await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    }
  }, 120_000);
});

describe("the registry and a LiteFS replica host", () => {
  it("app add, env set and app remove on a replica host never write it: the primary's entry stands", async () => {
    const replica = join(await tempDir(), "replica");
    const entryFile = join(replica, "_hostctl", "registry", "blog.json");
    const primary = join(await tempDir(), "primary");
    expect((await runCli(primary, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const added = await runCli(primary, [
      "app",
      "add",
      "blog",
      "--repo",
      "/srv/b.git",
      "--port",
      "8001",
      "--db",
      "db.sqlite3",
    ]);
    expect(added.exitCode, added.stderr).toBe(0);
    const written = await readFile(entryFile, "utf8");

    const follower = join(await tempDir(), "replica-host");
    expect((await runCli(follower, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    await addLitefsSection(follower, {
      node: "web-2",
      role: "replica",
      portBase: 20200,
      primary: { node: "web-1", portBase: 20100, frontDoor: "http://127.0.0.1:20180" },
    });
    for (const args of [
      ["app", "add", "blog", "--repo", "/srv/b.git", "--port", "9001", "--db", "db.sqlite3", "--replication", "litefs"],
      [
        "app",
        "add",
        "wiki",
        "--kind",
        "generic",
        "--repo",
        "/srv/w.git",
        "--port",
        "9002",
        "--db",
        "db.sqlite3",
        "--replication",
        "litefs",
      ],
      ["env", "set", "blog", "A=1"],
      ["app", "remove", "wiki"],
    ]) {
      const result = await runCli(follower, args);
      expect(result.exitCode, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    }
    expect(await readFile(entryFile, "utf8")).toBe(written);
    expect(await entries(replica)).toEqual(["blog.json"]);
  });
});
