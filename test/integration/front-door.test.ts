import { createServer } from "node:http";
import { connect } from "node:net";
import { mkdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addGenericApp, freePort } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { sql } from "../helpers/sqlite.js";
import { closedPort } from "../helpers/s3.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { caddyRoot, frontRequest, initWithFrontDoor, startLoad } from "../helpers/front-door.js";
import { TCP_MIGRATE_REQ } from "../../src/proxy/listener-handover.js";

async function editYaml(file: string, path: string[], value: unknown): Promise<void> {
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(path, value);
  await writeFile(file, doc.toString());
}

/** `hostctl init` with the front door on loopback ports, TLS from Caddy's local CA (test/helpers/front-door.ts). */
async function initFrontDoor(home: string, extra: string[] = []): Promise<{ http: number; https: number }> {
  const { init, http, https } = await initWithFrontDoor(home, extra);
  expect(init.exitCode, init.stderr).toBe(0);
  return { http, https };
}

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("the front door while an app waits for its replica", () => {
  it("answers 503 with Retry-After (not 502) while the replica cannot be reached", async () => {
    const home = join(await tempDir(), "home");
    const s3 = `http://127.0.0.1:${await closedPort()}`;
    const { https } = await initFrontDoor(home, [
      "--replica-url",
      "s3://hostctl-test/wait",
      "--s3-endpoint",
      s3,
      "--s3-force-path-style",
    ]);
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "wait", repo.dir, ["--domain", "wait.test"]);
    expect(add.exitCode, add.stderr).toBe(0);
    const sup = await startSupervisor(home, { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" });
    await waitForSocket(home);
    const ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    const answer = await waitFor("a 503 for wait.test", async () => {
      const a = await frontRequest({ host: "wait.test", port: https, path: "/", ca }).catch(() => undefined);
      return a?.status === 503 ? a : undefined;
    });
    expect(answer.headers["retry-after"]).toBe("5");
    expect(answer.body).toContain("wait is starting");
    expect((await hostStatus(home)).apps[0]?.state).not.toBe("running");
    expect(await sup.stop()).toBe(0);
  });
});

describe("a proxy section without a caddy binary", () => {
  it("runs the apps on their own ports, and status and doctor say why there is no proxy", async () => {
    const home = join(await tempDir(), "home");
    await initFrontDoor(home, ["--replica-url", `file://${await tempDir("replica")}`]);
    await editYaml(join(home, "hostctl.yml"), ["proxy", "caddy"], "/nonexistent/caddy");
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const port = await freePort();
    expect(
      (
        await runCli(home, [
          "app",
          "add",
          "direct",
          "--kind",
          "generic",
          "--repo",
          repo.dir,
          "--port",
          String(port),
          "--domain",
          "direct.test",
        ])
      ).exitCode,
    ).toBe(0);
    const sup = await startSupervisor(home);
    await waitForSocket(home);
    const answer = await waitFor(
      "direct served on its own port",
      async () => await frontRequest({ host: "127.0.0.1", port, path: "/port" }).catch(() => undefined),
      30_000,
    );
    expect(answer.body).toBe(String(port));
    const status = await runCli(home, ["status"]);
    expect(status.stdout).toContain(
      "proxy: off (no caddy binary (/nonexistent/caddy) found: apps serve on their own ports",
    );
    const doctor = await runCli(home, ["doctor"]);
    expect(doctor.stdout).toMatch(/caddy\s+FAIL\s+no caddy binary \(\/nonexistent\/caddy\)/);
    expect(await sup.stop()).toBe(0);
  });
});

describe("the front door (real Caddy, loopback)", () => {
  let home: string;
  let ports: { http: number; https: number };
  let repo: TestRepo;
  let plainPort: number;
  let ca: string;
  const shop = () => ({ host: "shop.test", port: ports.https, ca });
  const shopStatus = async () => (await hostStatus(home)).apps.find((a) => a.name === "shop");

  beforeAll(async () => {
    home = join(await tempDir(), "home");
    ports = await initFrontDoor(home, ["--replica-url", `file://${await tempDir("replica")}`]);
    repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "shop", repo.dir, ["--domain", "shop.test", "--domain", "www.shop.test"]);
    expect(add.exitCode, add.stderr).toBe(0);
    // Short enough for the never-answering release below, long enough for a first start on a loaded machine.
    await editYaml(join(home, "apps", "shop", "app.yml"), ["healthcheck", "timeout"], "15s");
    plainPort = await freePort();
    const plain = await runCli(home, [
      "app",
      "add",
      "plain",
      "--kind",
      "generic",
      "--repo",
      repo.dir,
      "--port",
      String(plainPort),
    ]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    await startSupervisor(home);
    await waitForSocket(home);
    ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    try {
      await waitFor(
        "shop served over HTTPS",
        async () => (await frontRequest({ ...shop(), path: "/" }).catch(() => undefined))?.status === 200,
        90_000,
      );
    } catch (error) {
      // Say why (the app's state and reason) instead of only that the wait ran out.
      throw new Error(
        `${(error as Error).message}; shop: ${JSON.stringify(await shopStatus().catch(() => undefined))}`,
        { cause: error },
      );
    }
  }, 150_000);

  it("serves the domains over HTTPS with a certificate from Caddy's local CA, and redirects HTTP to HTTPS", async () => {
    expect(await frontRequest({ ...shop(), path: "/" })).toMatchObject({ status: 200, body: "generic ok" });
    expect((await frontRequest({ ...shop(), host: "www.shop.test", path: "/" })).status).toBe(200);
    const redirect = await frontRequest({ host: "shop.test", port: ports.http, path: "/rows?x=1" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe(`https://shop.test:${ports.https}/rows?x=1`);
    // Without the CA the certificate is not trusted: the check above is a real verification.
    await expect(frontRequest({ ...shop(), ca: "", path: "/" })).rejects.toThrow();
  });

  it("serves an app without a domain on its own port through the proxy, its web process on an internal port", async () => {
    const answer = await waitFor(
      "plain served",
      async () => await frontRequest({ host: "127.0.0.1", port: plainPort, path: "/port" }).catch(() => undefined),
    );
    const live = (await hostStatus(home)).apps.find((a) => a.name === "plain")?.live_port;
    expect(answer.status).toBe(200);
    expect(Number(answer.body)).toBe(live);
    expect(live).not.toBe(plainPort);
  });

  it("serves the live release's static files and the app's media files, never a listing or a file outside media", async () => {
    const release = await realpath(join(home, "apps", "shop", "current"));
    await mkdir(join(release, "staticfiles", "css"), { recursive: true });
    await writeFile(join(release, "staticfiles", "css", "site.css"), "body{}");
    await writeFile(join(release, "staticfiles", "css", "site.0123456789ab.css"), "body{color:red}");
    const media = join(home, "apps", "shop", "data", "media");
    await mkdir(join(media, "photos"), { recursive: true });
    await writeFile(join(media, "photos", "cat.txt"), "meow");
    const css = await frontRequest({ ...shop(), path: "/static/css/site.css" });
    expect(css).toMatchObject({ status: 200, body: "body{}" });
    expect(css.headers["cache-control"]).toBe("public, max-age=300");
    expect(
      (await frontRequest({ ...shop(), path: "/static/css/site.0123456789ab.css" })).headers["cache-control"],
    ).toContain("immutable");
    const cat = await frontRequest({ ...shop(), path: "/media/photos/cat.txt" });
    expect(cat).toMatchObject({ status: 200, body: "meow" });
    expect(cat.headers["x-content-type-options"]).toBe("nosniff");
    expect((await frontRequest({ ...shop(), path: "/media/photos/" })).status).toBe(404);
    expect((await frontRequest({ ...shop(), path: "/media/" })).status).toBe(404);
    for (const path of [
      "/media/../db.sqlite3",
      "/media/%2e%2e/db.sqlite3",
      "/media/..%2fdb.sqlite3",
      "/media/photos/../../db.sqlite3",
    ]) {
      const answer = await frontRequest({ ...shop(), path });
      expect(answer.body, path).not.toContain("SQLite format 3");
    }
  });

  it("answers 404 for databases, their side files and Litestream's folder under media and static; media files still 200", async () => {
    const media = join(home, "apps", "shop", "data", "media");
    const statics = join(await realpath(join(home, "apps", "shop", "current")), "staticfiles");
    const live = [
      "leak.db",
      "leak.db-wal",
      "leak.db-shm",
      "leak.db-journal",
      "UPPER.SQLITE3",
      "a/b.sqlite3",
      ".leak.db-litestream/generation",
    ];
    for (const name of live) {
      await mkdir(join(media, name, ".."), { recursive: true });
      await writeFile(join(media, name), "SQLite format 3\0 rows");
    }
    await writeFile(join(statics, "site.sqlite3"), "SQLite format 3\0 rows");
    await writeFile(join(media, "report.txt"), "public");
    expect(await frontRequest({ ...shop(), path: "/media/report.txt" })).toMatchObject({ status: 200, body: "public" });
    for (const path of [...live.map((name) => `/media/${name}`), "/media/leak%2edb", "/static/site.sqlite3"]) {
      const answer = await frontRequest({ ...shop(), path });
      expect({ path, status: answer.status, body: answer.body.includes("SQLite") }).toEqual({
        path,
        status: 404,
        body: false,
      });
    }
  });

  it("keeps its admin API on a 0600 Unix socket and nothing listens on Caddy's default admin port", async () => {
    const socket = join(home, "run", "caddy", "admin.sock");
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "caddy"))).mode & 0o777).toBe(0o700);
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(2019, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    const status = await hostStatus<{
      proxy: { state: string; listeners: string[]; config_version: number; listener_handover: string };
    }>(home);
    expect(status.proxy.state).toBe("running");
    // `up` ran as root: queued connections survive Caddy's reloads (an app added, stopped, a domain).
    expect(["on", "turned_on"]).toContain(status.proxy.listener_handover);
    expect((await readFile(TCP_MIGRATE_REQ, "utf8")).trim()).toBe("1");
    expect(status.proxy.listeners).toEqual(
      expect.arrayContaining([`127.0.0.1:${ports.https}`, `127.0.0.1:${ports.http}`, `127.0.0.1:${plainPort}`]),
    );
  });

  it("lets a 4-second request started before a switch finish with 200 from the old release", async () => {
    const before = (await shopStatus())?.live_port;
    const slow = frontRequest({ ...shop(), path: "/slow?s=4" });
    const webLog = join(home, "apps", "shop", "logs", "web.log");
    await waitFor("the slow request to reach the old release", async () =>
      (await readFile(webLog, "utf8").catch(() => "")).includes(`slow request started on ${before}`),
    );
    const restart = await runCli(home, ["restart", "shop"]);
    expect(restart.exitCode, restart.stderr).toBe(0);
    expect(restart.stdout).toMatch(/switch: upstream changed in \d+ ms; old release drained in [\d.]+ s/);
    expect(await slow).toMatchObject({ status: 200, body: `slow done by ${before}` });
    expect((await shopStatus())?.live_port).not.toBe(before);
  });

  it("loses no request during 5 deploys, a rollback and a restart under load, and keeps every acknowledged write", async () => {
    const load = startLoad(shop(), 4);
    const outputs: string[] = [];
    for (let i = 2; i <= 6; i++) {
      await repo.commit(`v${i}`, { VERSION: `v${i}\n` });
      const deploy = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
      expect(deploy.exitCode, deploy.stderr).toBe(0);
      outputs.push(deploy.stdout);
    }
    const rollback = await runCli(home, ["rollback", "shop"], { timeoutMs: 120_000 });
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    const restart = await runCli(home, ["restart", "shop"], { timeoutMs: 120_000 });
    expect(restart.exitCode, restart.stderr).toBe(0);
    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(50);
    for (const out of outputs)
      expect(out).toMatch(/switch: upstream changed in \d+ ms; old release drained in [\d.]+ s/);
    const db = join(home, "apps", "shop", "data", "db.sqlite3");
    const stored = new Set((await sql(db, "SELECT body FROM rows;", true)).split("\n"));
    expect(result.acknowledged.filter((body) => !stored.has(body))).toEqual([]);
  }, 300_000);

  it("a release whose web process never answers: deploy exits 1 with its output, no request fails, the old release stays live", async () => {
    const before = await shopStatus();
    await repo.commit("never answers", {
      Procfile: "web: /usr/bin/python3 -c \"import time; print('booting forever on', flush=True); time.sleep(3600)\"\n",
    });
    const load = startLoad(shop(), 2);
    const deploy = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
    const result = await load.stop();
    expect(deploy.exitCode).toBe(1);
    expect(deploy.stderr).toContain("booting forever on");
    expect(deploy.stderr).toContain("live release kept serving");
    expect(result.failures).toEqual([]);
    const after = await shopStatus();
    expect(after?.release).toBe(before?.release);
    expect(after?.live_port).toBe(before?.live_port);
    expect((await frontRequest({ ...shop(), path: "/port" })).body).toBe(String(before?.live_port));
  }, 120_000);

  it("a stray holding the idle internal port answers the health check: deploy exits 1 naming it, the old release stays live", async () => {
    const before = await shopStatus();
    const proxy = (await hostStatus<{ proxy: { apps: Record<string, { ports: number[]; live_port: number }> } }>(home))
      .proxy.apps.shop;
    const idle = proxy?.ports.find((p) => p !== proxy.live_port);
    expect(idle).toBeDefined();
    const stray = createServer((_req, res) => res.end("stray"));
    await new Promise<void>((resolve) => stray.listen(idle, "127.0.0.1", resolve));
    try {
      await repo.commit("v7 after the stray", { Procfile: "web: /usr/bin/python3 server.py\n", VERSION: "v7\n" });
      const load = startLoad(shop(), 2);
      const deploy = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
      const result = await load.stop();
      expect(deploy.exitCode).toBe(1);
      expect(deploy.stderr).toContain(`port ${idle} is held by pid ${process.pid}`);
      expect(result.failures).toEqual([]);
      expect((await shopStatus())?.live_port).toBe(before?.live_port);
      expect((await frontRequest({ ...shop(), path: "/port" })).body).toBe(String(before?.live_port));
    } finally {
      await new Promise((resolve) => stray.close(resolve));
    }
    const deploy = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    expect((await frontRequest({ ...shop(), path: "/port" })).body).toBe(String(idle));
  }, 240_000);

  it("answers 503 with Retry-After while an app is stopped, and serves it again once started", async () => {
    expect((await runCli(home, ["stop", "plain"])).exitCode).toBe(0);
    // Until the config naming it stopped is loaded, a request finds the relay's port refused: "is starting".
    const stopped = await waitFor("the stopped app's 503 page", async () => {
      const a = await frontRequest({ host: "127.0.0.1", port: plainPort, path: "/" }).catch(() => undefined);
      return a?.status === 503 && a.body.includes("plain is stopped") ? a : undefined;
    });
    expect(stopped.headers["retry-after"]).toBe("5");
    expect(stopped.body).toContain("plain is stopped");
    expect((await runCli(home, ["start", "plain"])).exitCode).toBe(0);
    await waitFor(
      "plain served again",
      async () =>
        (await frontRequest({ host: "127.0.0.1", port: plainPort, path: "/" }).catch(() => undefined))?.status === 200,
      30_000,
    );
  });

  it("restarts Caddy killed with SIGKILL, with the same config", async () => {
    const first = await hostStatus<{ proxy: { pid: number; config_version: number } }>(home);
    process.kill(first.proxy.pid, "SIGKILL");
    await waitFor(
      "Caddy restarted",
      async () => {
        const now = await hostStatus<{ proxy: { pid?: number; state: string } }>(home);
        return now.proxy.state === "running" && now.proxy.pid !== undefined && now.proxy.pid !== first.proxy.pid;
      },
      20_000,
    );
    await waitFor(
      "shop served again",
      async () => (await frontRequest({ ...shop(), path: "/" }).catch(() => undefined))?.status === 200,
      20_000,
    );
    expect((await frontRequest({ ...shop(), path: "/media/photos/cat.txt" })).body).toBe("meow");
    // The restarted Caddy makes a new socket with the umask's mode (its 0700 directory guards it meanwhile);
    // the supervisor sets 0600 once Caddy answers on it, which may come after the first request is served.
    await waitFor(
      "the new admin socket is 0600",
      async () => ((await stat(join(home, "run", "caddy", "admin.sock"))).mode & 0o777) === 0o600,
      10_000,
    );
    expect(await stat(join(home, "run", "caddy")).then((s) => s.mode & 0o777)).toBe(0o700);
  });
});
