import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, freePort, httpGet, installRelease, waitAnswering } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import {
  appsRunning,
  hostStatus,
  killAllSupervisors,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import type { SupervisorStatus } from "../../src/supervisor/control-protocol.js";

let home: string;
let supervisor: RunningSupervisor;
const ports = { blog: 0, aaa: 0 };

let replica: string;
const status = () => hostStatus(home);
function pids(s: SupervisorStatus, app: string): Record<string, number | undefined> {
  const unit = s.apps.find((a) => a.name === app);
  const out: Record<string, number | undefined> = {
    litestream: (unit?.litestream as { pid?: number } | undefined)?.pid,
  };
  for (const p of unit?.processes ?? []) out[p.type] = p.pid;
  return out;
}
const metricsPorts = async () =>
  JSON.parse(await readFile(join(home, "run", "litestream", "ports.json"), "utf8")) as Record<string, number>;

beforeAll(async () => {
  home = join(await tempDir(), "home");
  ports.blog = await freePort();
  ports.aaa = await freePort();
  replica = join(await tempDir(), "replica");
  expect((await runCli(home, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "blog",
        "--kind",
        "generic",
        "--repo",
        "/unused",
        "--port",
        String(ports.blog),
        "--db",
        "db.sqlite3",
      ])
    ).exitCode,
  ).toBe(0);
  await installRelease(home, "blog", "generic-app");
  supervisor = await startSupervisor(home);
  await waitForSocket(home);
  await waitFor("blog running", () => appsRunning(home, 1), 30_000);
  await waitAnswering(ports.blog);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("apps added and removed while hostctl up runs", () => {
  it("app add: the running supervisor deploys and serves the new app; the other app's processes and metrics port stay", async () => {
    const before = await status();
    const blogPort = (await metricsPorts()).blog;
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    // Each start of the web process leaves a line: the first deploy must start it once, supervised.
    await repo.commit("count starts", {
      Procfile: `web: /bin/sh -c 'echo started >> "$HOSTCTL_DATA_DIR/web-starts"; exec /usr/bin/python3 server.py'\n`,
    });
    // "aaa" sorts before "blog": with ports by name order it would have taken blog's metrics port.
    const add = await runCli(home, [
      "app",
      "add",
      "aaa",
      "--kind",
      "generic",
      "--repo",
      repo.dir,
      "--port",
      String(ports.aaa),
      "--db",
      "db.sqlite3",
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain("hostctl up is running");
    await waitFor("aaa running", () => appsRunning(home, 2), 60_000);
    await waitAnswering(ports.aaa);
    expect((await httpGet(ports.aaa, "/")).body).toBe("generic ok");
    expect(await readFile(join(home, "apps", "aaa", "data", "web-starts"), "utf8")).toBe("started\n");
    const after = await status();
    expect(after.apps.find((a) => a.name === "aaa")?.state).toBe("running");
    expect(pids(after, "blog")).toEqual(pids(before, "blog"));
    const assigned = await metricsPorts();
    expect(assigned.blog).toBe(blogPort);
    expect(assigned.aaa).not.toBe(blogPort);
    const scrape = await fetch(`http://127.0.0.1:${assigned.aaa}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain("aaa");
  });

  it("restart after app.yml was edited: a bad edit exits 2 and changes nothing; a good one reloads the app with it", async () => {
    const spec = join(home, "apps", "aaa", "app.yml");
    const original = await readFile(spec, "utf8");
    const before = await status();
    await writeFile(spec, original.replace(`port: ${ports.aaa}`, `port: ${ports.blog}`));
    const clash = await runCli(home, ["restart", "aaa"]);
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toContain(spec);
    expect(clash.stderr).toContain(`port ${ports.blog} is already used by app "blog"`);
    expect(pids(await status(), "aaa")).toEqual(pids(before, "aaa"));

    const moved = await freePort();
    await writeFile(spec, original.replace(`port: ${ports.aaa}`, `port: ${moved}`));
    const restart = await runCli(home, ["restart", "aaa"]);
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(restart.stdout).toContain("app.yml changed, app reloaded");
    await waitFor("aaa running", () => appsRunning(home, 2), 30_000);
    await waitAnswering(moved);
    expect((await httpGet(moved, "/")).body).toBe("generic ok");
    await expect(httpGet(ports.aaa, "/")).rejects.toThrow();
    const after = await status();
    expect(after.apps.find((a) => a.name === "aaa")?.port).toBe(moved);
    expect(pids(after, "blog")).toEqual(pids(before, "blog"));
    const entry = JSON.parse(await readFile(join(replica, "_hostctl", "registry", "aaa.json"), "utf8")) as {
      spec: { port: number };
    };
    expect(entry.spec.port).toBe(moved);
    ports.aaa = moved;
  });

  it("app remove: the supervisor stops the app first; the other app keeps serving", async () => {
    const before = await status();
    const remove = await runCli(home, ["app", "remove", "aaa", "--purge"]);
    expect(remove.exitCode, remove.stderr).toBe(0);
    const after = await status();
    expect(after.apps.map((a) => a.name)).toEqual(["blog"]);
    await expect(httpGet(ports.aaa, "/")).rejects.toThrow();
    expect(pids(after, "blog")).toEqual(pids(before, "blog"));
    expect((await httpGet(ports.blog, "/")).body).toBe("generic ok");
    expect(await supervisor.stop("SIGTERM")).toBe(0);
  });
});
