import { readFile, writeFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, newBucket } from "../helpers/s3.js";
import { countRows } from "../helpers/sqlite.js";
import { waitFor } from "../helpers/wait.js";
import { addDjangoApp, freePort, httpGet, httpPost, installRelease, migrateDjango } from "../helpers/apps.js";
import {
  hostStatus,
  killAllSupervisors,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";
import { litestreamBinary } from "../../src/litestream/binary.js";
import { restoreArgs } from "../../src/litestream/args.js";
import { controlRequest } from "../../src/supervisor/control-client.js";
import { hostPaths } from "../../src/config/paths.js";

let home: string;
let port: number;
let supervisor: RunningSupervisor;
let metricsPort: number;
const env = TEST_CREDENTIALS;

const statusJson = () => hostStatus(home);

/** Restores the app's replica into a scratch file with the real Litestream and counts the notes. */
async function notesInReplica(): Promise<number> {
  const out = join(await tempDir("restore"), "db.sqlite3");
  const config = join(home, "run", "litestream", "blog.yml");
  await execa(
    litestreamBinary(undefined, {}),
    restoreArgs({ configPath: config, dbPath: join(home, "apps", "blog", "data", "db.sqlite3"), outputPath: out }),
    { env, extendEnv: false },
  );
  return countRows(out, "notes_note");
}

/** Pids of gunicorn masters (a gunicorn whose parent is not a gunicorn) bound to the port. */
async function gunicornMasters(bindPort: number): Promise<number[]> {
  const { stdout } = await execa("ps", ["-eo", "pid=,ppid=,args="]);
  const procs = stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, ppid, ...args]) => ({ pid: Number(pid), ppid: Number(ppid), args: args.join(" ") }));
  const guns = procs.filter((p) => p.args.includes("gunicorn") && p.args.includes(`127.0.0.1:${bindPort}`));
  const ids = new Set(guns.map((g) => g.pid));
  return guns.filter((g) => !ids.has(g.ppid)).map((g) => g.pid);
}

beforeAll(async () => {
  const { endpoint, bucket } = await newBucket();
  home = join(await tempDir(), "home");
  port = await freePort();
  expect(
    (
      await runCli(
        home,
        ["init", "--replica-url", `s3://${bucket}/sup`, "--s3-endpoint", endpoint, "--s3-force-path-style"],
        { env },
      )
    ).exitCode,
  ).toBe(0);
  metricsPort = await freePort();
  const config = parseDocument(await readFile(join(home, "hostctl.yml"), "utf8"));
  config.setIn(["metrics", "listen"], `127.0.0.1:${metricsPort}`);
  await writeFile(join(home, "hostctl.yml"), config.toString());
  expect((await addDjangoApp(home, "blog", "/unused", port)).exitCode).toBe(0);
  const release = await installRelease(home, "blog", "django-app");
  await migrateDjango(home, "blog", release);
  supervisor = await startSupervisor(home);
  await waitForSocket(home);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("hostctl up", () => {
  it("serves the Django app, and a row written through it reaches the replica", async () => {
    await waitFor("the app to answer", async () => (await httpGet(port, "/")).body === "ok v1");
    for (let i = 0; i < 3; i++) expect((await httpPost(port, "/notes", `body=note-${i}`)).status).toBe(201);
    await waitFor("3 notes in the replica", async () => (await notesInReplica()) === 3, 20_000, 500);
    const status = await statusJson();
    const blog = status.apps.find((a) => a.name === "blog");
    expect(blog).toMatchObject({
      state: "running",
      litestream: { state: "running" },
      release: "20260101T000000Z-fixture",
    });
    expect(blog?.processes.map((p) => p.type)).toEqual(["web"]);
  });

  it("keeps the drill canary fresh, reports replication lag and serves /metrics on the control socket", async () => {
    const db = join(home, "apps", "blog", "data", "db.sqlite3");
    const canary = await waitFor(
      "the canary row",
      async () => {
        const rows = await execa("sqlite3", ["-readonly", db, "SELECT updated_at FROM _hostctl_canary"], {
          reject: false,
        });
        return rows.exitCode === 0 && rows.stdout.trim() !== "" ? rows.stdout.trim() : undefined;
      },
      15_000,
    );
    expect(Date.now() - Date.parse(canary)).toBeLessThan(60_000);
    const status = await waitFor(
      "lag in status",
      async () => {
        const blog = (await statusJson()).apps[0];
        return Array.isArray(blog?.replication) && blog.replication.length === 1 ? blog : undefined;
      },
      15_000,
    );
    expect(status.replication).toEqual([
      { database: db, lag_s: expect.any(Number) as number, behind: expect.any(Boolean) as boolean },
    ]);
    const metrics = await controlRequest(hostPaths(home), "GET", "/metrics");
    expect(metrics?.status).toBe(200);
    expect(metrics?.body).toMatch(/^hostctl_app_up\{app="blog"\} 1$/m);
    expect(metrics?.body).toMatch(/^hostctl_process_restarts_total\{app="blog",process="web"\} 0$/m);
    expect(metrics?.body).toMatch(/^hostctl_replica_lag_seconds\{app="blog",database="db\.sqlite3"\} \d/m);
    expect(metrics?.body).toMatch(/^hostctl_media_lag_seconds\{app="blog"\} \d/m);
    // metrics.listen (loopback TCP, any local user) serves /metrics and nothing of the control API.
    const tcp = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(tcp.status).toBe(200);
    expect(await tcp.text()).toMatch(/^hostctl_app_up\{app="blog"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/apps/blog/stop`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/status`)).status).toBe(404);
  });

  it("status and /metrics show a drill run by `hostctl drill` in its own process", async () => {
    const drill = await runCli(home, ["drill", "blog", "--json"], { env });
    expect(drill.exitCode, drill.stderr).toBe(0);
    const result = JSON.parse(drill.stdout) as { started_at: string; ok: boolean };
    const blog = await waitFor(
      "the drill in status",
      async () => {
        const app = (await statusJson()).apps[0];
        return (app?.last_drill as { at?: string } | null)?.at === result.started_at ? app : undefined;
      },
      15_000,
    );
    expect(blog.last_drill).toMatchObject({ ok: true });
    const metrics = await controlRequest(hostPaths(home), "GET", "/metrics");
    expect(metrics?.body).toMatch(/^hostctl_drill_last_ok\{app="blog",database="db\.sqlite3"\} 1$/m);
  });

  it("writes the web process's output to apps/<app>/logs/web.log and `logs` prints it", async () => {
    const result = await runCli(home, ["logs", "blog", "--process", "web", "-n", "50"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/POST \/notes/);
    expect(await readFile(join(home, "apps", "blog", "logs", "litestream.log"), "utf8")).toContain("replicating to");
  });

  it("restarts the web process when it is killed", async () => {
    const before = (await statusJson()).apps[0]?.processes[0];
    expect(before?.pid).toBeGreaterThan(0);
    process.kill(-(before?.pid ?? 0), "SIGKILL");
    const after = await waitFor("a new web pid", async () => {
      const web = (await statusJson()).apps[0]?.processes[0];
      return web?.state === "running" && web.pid !== before?.pid ? web : undefined;
    });
    expect(after.restarts).toBe(1);
    await waitFor("the app to answer again", async () => (await httpGet(port, "/")).status === 200);
  });

  it("after a SIGKILL of the supervisor, the next `up` ends the old processes: one gunicorn master on the port", async () => {
    const oldPids = (await statusJson()).apps[0]?.processes.map((p) => p.pid) ?? [];
    expect(await supervisor.stop("SIGKILL")).toBeUndefined();
    expect(await gunicornMasters(port)).toEqual(oldPids);
    supervisor = await startSupervisor(home);
    await waitForSocket(home);
    await waitFor(
      "the app to be served again",
      async () => (await statusJson()).apps[0]?.state === "running" && (await httpGet(port, "/")).status === 200,
    );
    const masters = await gunicornMasters(port);
    expect(masters).toHaveLength(1);
    expect(masters).not.toEqual(oldPids);
    expect(await supervisor.log()).toContain("supervisor.stray_ended");
  });

  it("on SIGTERM stops apps then Litestream, exits 0, and a write acknowledged just before is in the replica", async () => {
    const before = await notesInReplica();
    expect((await httpPost(port, "/notes", "body=last-words")).status).toBe(201);
    expect(await supervisor.stop("SIGTERM")).toBe(0);
    expect(await notesInReplica()).toBe(before + 1);
    const log = await supervisor.log();
    const lines = log.split("\n").filter((l) => l.includes("process.stopped"));
    expect(lines.map((l) => (JSON.parse(l) as { process: string }).process)).toEqual(["web", "litestream"]);
    expect(await gunicornMasters(port)).toEqual([]);
  });

  it("status without a running supervisor says so and shows what is on disk", async () => {
    const result = await runCli(home, ["status"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("hostctl up is not running");
    // The drill run by an earlier test is the last one on disk.
    expect(result.stdout).toMatch(/blog\s+not supervised\s+20260101T000000Z-fixture\s+ok \d+s ago\s+db\.sqlite3 \d+B/);
  });
});
