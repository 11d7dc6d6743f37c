import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, freePort, httpPost, waitAnswering } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { pathExists } from "../../src/lib/fs.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

// The release phase half-migrates, then fails, on any host where the flag file exists.
const release = (flag: string) => `import os, sqlite3, sys
if os.path.exists(${JSON.stringify(flag)}):
    db = sqlite3.connect(os.environ["DATABASE_URL"][len("sqlite:///"):])
    db.execute("CREATE TABLE half_done(x)")
    db.commit()
    sys.exit("migration failed half way")
`;

async function tables(db: string): Promise<string[]> {
  return (
    await execa("sqlite3", [db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;"])
  ).stdout.split("\n");
}

/**
 * Host A (home `<base>/host-a`) on a file:// replica under `base`, with the generic fixture app "shop" whose
 * Procfile runs `release.py` as its release phase.
 */
async function hostWithReleasePhase(
  base: string,
  releasePy: string,
): Promise<{ hostA: string; port: number; replica: string[] }> {
  const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  await repo.commit("release phase", {
    Procfile: "web: /usr/bin/python3 server.py\nrelease: /usr/bin/python3 release.py\n",
    "release.py": releasePy,
  });
  const port = await freePort();
  const replica = ["--replica-url", `file://${join(base, "replica")}`];
  const hostA = join(base, "host-a");
  expect((await runCli(hostA, ["init", ...replica])).exitCode).toBe(0);
  const added = await runCli(hostA, [
    "app",
    "add",
    "shop",
    "--kind",
    "generic",
    "--repo",
    repo.dir,
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
  ]);
  expect(added.exitCode, added.stderr).toBe(0);
  return { hostA, port, replica };
}

describe("a fresh host's first deploy", () => {
  it("takes the copy made at restore as its snapshot, and puts the database back from it when the release phase fails", async () => {
    const base = await tempDir("first-snapshot");
    const flag = join(base, "fail-the-release");
    // Host A: the app runs, takes three rows, and stops (Litestream ships everything on the way out).
    const { hostA, port, replica } = await hostWithReleasePhase(base, release(flag));
    const a = await startSupervisor(hostA);
    await waitForSocket(hostA);
    await waitFor("shop running on host A", async () => (await hostStatus(hostA)).apps[0]?.state === "running", 90_000);
    await waitAnswering(port, "/rows");
    for (const body of ["one", "two", "three"]) expect((await httpPost(port, "/rows", body)).status).toBe(201);
    expect(await a.stop("SIGTERM")).toBe(0);

    // Host B: a fresh home on the same replica; its first deploy's release phase fails half way.
    await execa("touch", [flag]);
    const hostB = join(base, "host-b");
    expect((await runCli(hostB, ["init", ...replica])).exitCode).toBe(0);
    const b = await startSupervisor(hostB);
    await waitForSocket(hostB);
    const log = await waitFor(
      "the first deploy to fail and put the database back",
      async () => {
        const text = await b.log();
        return text.includes("restored db.sqlite3 from snapshots/") ? text : undefined;
      },
      90_000,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${(await b.log()).split("\n").slice(-40).join("\n")}`);
    });
    expect(log).toContain("db.sqlite3, copied at restore");
    const db = join(hostB, "apps", "shop", "data", "db.sqlite3");
    expect(await tables(db)).not.toContain("half_done");
    expect((await execa("sqlite3", [db, "SELECT body FROM rows ORDER BY id;"])).stdout.split("\n")).toEqual([
      "one",
      "two",
      "three",
    ]);
    const snapshots = join(hostB, "apps", "shop", "snapshots");
    expect(await pathExists(join(snapshots, ".restored"))).toBe(false);
    const taken = await readdir(snapshots);
    expect(taken).toHaveLength(1);
    expect(await readdir(join(snapshots, taken[0] as string))).toEqual(["db.sqlite3"]);
    expect(await b.stop("SIGTERM")).toBe(0);
  }, 240_000);

  it("runs its release phase on the restored database, and what it wrote reaches the replica", async () => {
    const base = await tempDir("first-release");
    // Every release phase records the host that ran it (the home's name: .../<home>/apps/shop/releases/<id>).
    const { replica } = await hostWithReleasePhase(
      base,
      `import os, sqlite3
db = sqlite3.connect(os.environ["DATABASE_URL"][len("sqlite:///"):])
db.execute("CREATE TABLE IF NOT EXISTS released(host TEXT)")
db.execute("INSERT INTO released VALUES (?)", (os.getcwd().split("/")[-5],))
db.commit()
`,
    );

    // A, then two fresh hosts in turn on the same replica: each restores, deploys (its release phase adds its
    // row), serves, and stops gracefully.
    for (const host of ["host-a", "host-b", "host-c"]) {
      const home = join(base, host);
      if (host !== "host-a") expect((await runCli(home, ["init", ...replica])).exitCode).toBe(0);
      const supervisor = await startSupervisor(home);
      await waitForSocket(home);
      await waitFor(
        `shop running on ${host}`,
        async () => (await hostStatus(home)).apps[0]?.state === "running",
        90_000,
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${(await supervisor.log()).split("\n").slice(-40).join("\n")}`);
      });
      if (host !== "host-a") expect(await supervisor.log()).toContain("copied at restore");
      expect(await supervisor.stop("SIGTERM")).toBe(0);
    }
    // C restored what B's release phase wrote, which only B's Litestream can have shipped.
    const db = join(base, "host-c", "apps", "shop", "data", "db.sqlite3");
    expect((await execa("sqlite3", [db, "SELECT host FROM released ORDER BY rowid;"])).stdout.split("\n")).toEqual([
      "host-a",
      "host-b",
      "host-c",
    ]);
  }, 240_000);
});
