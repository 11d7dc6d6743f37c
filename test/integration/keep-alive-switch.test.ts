import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addGenericApp } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { sql } from "../helpers/sqlite.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { caddyRoot, frontRequest, initWithFrontDoor } from "../helpers/front-door.js";
import { startKeepAliveLoad } from "../helpers/keep-alive-load.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("switches under keep-alive clients (real Caddy, loopback)", () => {
  let home: string;
  let https: number;
  let repo: TestRepo;
  let ca: string;
  const shop = () => ({ host: "shop.test", port: https, ca });

  beforeAll(async () => {
    home = join(await tempDir(), "home");
    const { init, https: port } = await initWithFrontDoor(home, [
      "--replica-url",
      `file://${await tempDir("replica")}`,
    ]);
    expect(init.exitCode, init.stderr).toBe(0);
    https = port;
    repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "shop", repo.dir, ["--domain", "shop.test"]);
    expect(add.exitCode, add.stderr).toBe(0);
    await startSupervisor(home);
    await waitForSocket(home);
    ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    await waitFor(
      "shop served",
      async () => (await frontRequest({ ...shop(), path: "/" }).catch(() => undefined))?.status === 200,
      90_000,
    );
  }, 150_000);

  it("loses no request of kept-alive HTTP/1.1 and HTTP/2 connections through 5 deploys, a rollback and a restart", async () => {
    const configVersion = async () =>
      (await hostStatus<{ proxy: { config_version: number } }>(home)).proxy.config_version;
    const versionBefore = await configVersion();
    const load = startKeepAliveLoad(shop(), { http1: 4, http2: 2, minRequests: 10_000, maxRequests: 40_000 });
    const started = Date.now();
    const steps: string[] = [];
    const step = async (name: string, args: string[]) => {
      const from = Date.now() - started;
      const result = await runCli(home, args, { timeoutMs: 120_000 });
      expect(result.exitCode, result.stderr).toBe(0);
      steps.push(`${name} ${from}-${Date.now() - started} ms: ${result.stdout.trim().split("\n").at(-1) ?? ""}`);
    };
    for (let i = 2; i <= 6; i++) {
      await repo.commit(`v${i}`, { VERSION: `v${i}\n` });
      await step(`deploy v${i}`, ["deploy", "shop"]);
    }
    await step("rollback", ["rollback", "shop"]);
    await step("restart", ["restart", "shop"]);
    const result = await load.stop();
    // Not one switch loaded Caddy's config: its servers, and the connections they hold, stayed.
    expect(await configVersion()).toBe(versionBefore);
    // Where a failure fell among the switches says which step dropped it.
    expect(result.failures, steps.join("\n")).toEqual([]);
    expect(result.requests).toBeGreaterThanOrEqual(10_000);
    // No connection was closed under a client: each opened one and kept it through every switch.
    expect(Object.values(result.connections)).toEqual([1, 1, 1, 1, 1, 1]);
    const stored = new Set(
      (await sql(join(home, "apps", "shop", "data", "db.sqlite3"), "SELECT body FROM rows;", true)).split("\n"),
    );
    expect(result.acknowledged.length).toBeGreaterThan(4000);
    expect(result.acknowledged.filter((body) => !stored.has(body))).toEqual([]);
  }, 400_000);
});
