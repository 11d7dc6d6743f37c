import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, freePort, httpGet } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitForSocket,
  type RunningSupervisor,
} from "../helpers/supervisor.js";

let home: string;
let replica: string;
let port: number;
let repo: TestRepo;
let supervisor: RunningSupervisor;

const data = () => join(home, "apps", "gen", "data");
const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

/** The modes of a database and of its -wal/-shm where they exist. */
async function databaseModes(path: string): Promise<string[]> {
  const out: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    const info = await stat(file).catch(() => undefined);
    if (info) out.push((info.mode & 0o777).toString(8));
  }
  return out;
}

async function running(): Promise<boolean> {
  return (await hostStatus(home)).apps.find((a) => a.name === "gen")?.state === "running";
}

beforeAll(async () => {
  repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  home = join(await tempDir(), "home");
  replica = join(await tempDir("replica"), "r");
  port = await freePort();
  expect((await runCli(home, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
  const add = await runCli(home, [
    "app",
    "add",
    "gen",
    "--kind",
    "generic",
    "--repo",
    repo.dir,
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("site data is owner-only (issue 13.4)", () => {
  it("app add makes data/ and snapshots/ 0700, app.yml (alert URLs are secrets) 0600, init a new file:// replica 0700", async () => {
    expect(await mode(data())).toBe("700");
    expect(await mode(join(home, "apps", "gen", "app.yml"))).toBe("600");
    expect(await mode(join(home, "apps", "gen", "snapshots"))).toBe("700");
    expect(await mode(replica)).toBe("700");
  });

  it("a new database and its -wal/-shm are 0600, Litestream's shadow WAL sits in the 0700 data dir", async () => {
    supervisor = await startSupervisor(home);
    await waitForSocket(home);
    await waitFor("gen served", async () => (await running()) && (await httpGet(port, "/")).status === 200, 60_000);
    expect(await databaseModes(join(data(), "db.sqlite3"))).toEqual(expect.arrayContaining(["600"]));
    expect(new Set(await databaseModes(join(data(), "db.sqlite3")))).toEqual(new Set(["600"]));
    // Litestream creates its shadow WAL directory beside the database once it has started replicating.
    await waitFor(
      "Litestream's shadow WAL directory in data/",
      async () => (await readdir(data())).some((name) => name.includes("litestream")),
      20_000,
    );
    expect(await mode(data())).toBe("700");
  }, 90_000);

  it("a deploy's pre-migration snapshot is 0600 in a 0700 directory", async () => {
    await repo.commit("v2", { VERSION: "v2\n" });
    const deploy = await runCli(home, ["deploy", "gen"], { timeoutMs: 90_000 });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    const snapshots = join(home, "apps", "gen", "snapshots");
    const [release] = await readdir(snapshots);
    expect(release).toBeDefined();
    expect(await mode(snapshots)).toBe("700");
    expect(await mode(join(snapshots, release ?? "", "db.sqlite3"))).toBe("600");
  }, 120_000);

  it("the last deploy's record and the app's replication record are 0600 (issue 30 item 8)", async () => {
    expect(await mode(join(home, "apps", "gen", "last-deploy.json"))).toBe("600");
    const state = join(home, "apps", "gen", "state.json");
    await waitFor("state.json", () =>
      stat(state).then(
        () => true,
        () => false,
      ),
    );
    expect(await mode(state)).toBe("600");
  });

  it("a database restored on boot is 0600, and a 0755 data dir and 0644 app.yml left by an older hostctl are made private", async () => {
    await waitFor(
      "the replica to hold the database",
      async () => (await readdir(replica, { recursive: true })).length > 2,
      20_000,
    );
    expect(await supervisor.stop()).toBe(0);
    for (const suffix of ["", "-wal", "-shm"]) await rm(join(data(), `db.sqlite3${suffix}`), { force: true });
    const { chmod } = await import("node:fs/promises");
    await chmod(data(), 0o755);
    await chmod(join(home, "apps", "gen", "app.yml"), 0o644);
    supervisor = await startSupervisor(home);
    await waitForSocket(home);
    await waitFor("gen running again", running, 60_000);
    expect(new Set(await databaseModes(join(data(), "db.sqlite3")))).toEqual(new Set(["600"]));
    expect(await mode(data())).toBe("700");
    expect(await mode(join(home, "apps", "gen", "app.yml"))).toBe("600");
  }, 120_000);
});
