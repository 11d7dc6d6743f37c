import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addDjangoApp, freePort, httpGet } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  hostStatus,
  killAllSupervisors,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";

let home: string;
let port: number;
let repo: TestRepo;
let shopRepo: TestRepo;
let shopPort: number;
let queueRepo: TestRepo;
let supervisor: RunningSupervisor;

async function blog() {
  return (await hostStatus(home)).apps.find((a) => a.name === "blog");
}

const version = (v: string) => ({ "site_app/version.py": `VERSION = "${v}"\n` });

beforeAll(async () => {
  repo = await gitRepo({ fixture: join(FIXTURES, "django-app") });
  home = join(await tempDir(), "home");
  port = await freePort();
  expect((await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`])).exitCode).toBe(0);
  const add = await addDjangoApp(home, "blog", repo.dir, port, ["--poll", "1s"]);
  expect(add.exitCode, add.stderr).toBe(0);
  // A second app without polling, so a deploy by hand never races the poller.
  shopRepo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  shopPort = await freePort();
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "shop",
        "--kind",
        "generic",
        "--repo",
        shopRepo.dir,
        "--port",
        String(shopPort),
        "--db",
        "db.sqlite3",
      ])
    ).exitCode,
  ).toBe(0);
  // A third app with a worker and no web process: nothing to health-check.
  queueRepo = await gitRepo({ files: { Procfile: "worker: /usr/bin/python3 -c 'import time; time.sleep(3600)'\n" } });
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "queue",
        "--kind",
        "generic",
        "--repo",
        queueRepo.dir,
        "--port",
        String(await freePort()),
      ])
    ).exitCode,
  ).toBe(0);
  supervisor = await startSupervisor(home);
  await waitForSocket(home);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("deploys under a running supervisor", () => {
  it("`up` deploys an app that has no release yet from its branch, then serves it", async () => {
    await waitFor(
      "v1 served by the supervisor",
      async () => (await blog())?.state === "running" && (await httpGet(port, "/")).body === "ok v1",
      60_000,
    );
    expect((await blog())?.release).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{7}$/);
  });

  it("an app without a web process is deployed and switched without a health check, at boot and by hand", async () => {
    // The health check would wait its whole timeout (30 s) for a port nobody listens on, then fail.
    await waitFor(
      "queue running",
      async () => (await hostStatus(home)).apps.find((a) => a.name === "queue")?.state === "running",
      20_000,
    );
    const sha = await queueRepo.commit("v2", { VERSION: "v2\n" });
    const result = await runCli(home, ["deploy", "queue", "--json"], { timeoutMs: 20_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ mode: "supervisor", commit: sha });
    const queue = (await hostStatus(home)).apps.find((a) => a.name === "queue");
    expect(queue?.release).toContain(sha.slice(0, 7));
    expect(queue?.processes.map((p) => p.type)).toEqual(["worker"]);
  });

  it("`hostctl deploy` hands the switch to the supervisor and reports the serving gap", async () => {
    await waitFor("shop served", async () => (await httpGet(shopPort, "/")).body === "generic ok", 60_000);
    const oldPid = (await hostStatus(home)).apps.find((a) => a.name === "shop")?.processes[0]?.pid;
    const sha = await shopRepo.commit("v2", { VERSION: "v2\n" });
    const result = await runCli(home, ["deploy", "shop", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const deployed = JSON.parse(result.stdout) as { mode: string; gap_s: number; commit: string };
    expect(deployed).toMatchObject({ mode: "supervisor", commit: sha });
    expect(deployed.gap_s).toBeGreaterThan(0);
    expect(deployed.gap_s).toBeLessThan(10);
    const shop = (await hostStatus(home)).apps.find((a) => a.name === "shop");
    expect(shop?.release).toContain(sha.slice(0, 7));
    expect(shop?.processes[0]?.pid).not.toBe(oldPid);
    expect((await httpGet(shopPort, "/")).body).toBe("generic ok");
  });

  it("polling deploys a new commit on the branch within two poll intervals (plus the deploy itself)", async () => {
    await repo.commit("v2", version("v2"));
    await waitFor("v2 served", async () => (await httpGet(port, "/")).body === "ok v2", 30_000);
    const sha = await repo.commit("v3", version("v3"));
    await waitFor("v3 served", async () => (await httpGet(port, "/")).body === "ok v3", 30_000);
    expect((await blog())?.release).toContain(sha.slice(0, 7));
  });

  it("a rollback holds against polling until a new commit reaches the branch", async () => {
    const back = await runCli(home, ["rollback", "blog"]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect((await httpGet(port, "/")).body).toBe("ok v2");
    const first = await waitFor(
      "a poll that leaves the rollback alone",
      async () => {
        const poll = (await blog())?.deploy_poll;
        return poll?.last_action === "skipped-rolled-back" ? poll : undefined;
      },
      15_000,
    );
    // The next poll (a later check) leaves it alone too.
    await waitFor(
      "a second poll that leaves the rollback alone",
      async () => {
        const poll = (await blog())?.deploy_poll;
        return poll?.last_action === "skipped-rolled-back" && poll.checked_at !== first.checked_at;
      },
      15_000,
      100,
    );
    expect((await httpGet(port, "/")).body).toBe("ok v2");
    await repo.commit("v3 again", version("v3"));
    await waitFor("the new commit served", async () => (await httpGet(port, "/")).body === "ok v3", 30_000);
  });

  it("a commit that fails to deploy is recorded and not retried until a newer commit arrives", async () => {
    const bad = await repo.commit("v4: unhealthy", { "site_app/urls.py": "raise RuntimeError('broken on import')\n" });
    const status = await waitFor(
      "the failed commit in status",
      async () => {
        const app = await blog();
        const poll = app?.deploy_poll as { failed?: { commit: string } } | undefined;
        return poll?.failed?.commit === bad ? app : undefined;
      },
      60_000,
    );
    expect(status.state).toBe("running");
    expect((await httpGet(port, "/")).body).toBe("ok v3");
    const releasesBefore = (await runCli(home, ["releases", "blog", "--json"])).stdout;
    // The next poll sees the same commit and skips it, instead of deploying it again.
    await waitFor(
      "a poll that skips the failed commit",
      async () => (await blog())?.deploy_poll?.last_action === "skipped-failed",
      15_000,
      100,
    );
    expect((await runCli(home, ["releases", "blog", "--json"])).stdout).toBe(releasesBefore);
    expect(await supervisor.stop("SIGTERM")).toBe(0);
  });
});
