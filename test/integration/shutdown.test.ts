import { mkdir, readdir, readlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, addGenericApp, freePort } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { killAllSupervisors, startSupervisor } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import { pathExists } from "../../src/lib/fs.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

/** Pids of processes whose working directory is inside `dir`. */
async function processesIn(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd.startsWith(dir)) pids.push(Number(entry));
  }
  return pids;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

describe("shutdown while an app is still booting", () => {
  it("SIGTERM during the first deploy waits for it, starts nothing, and leaves no process behind", async () => {
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    await repo.commit("slow release phase", { Procfile: "web: /usr/bin/python3 server.py\nrelease: sleep 2\n" });
    const port = await freePort();
    const home = join(await tempDir(), "home");
    expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    expect(
      (
        await runCli(home, [
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
        ])
      ).exitCode,
    ).toBe(0);
    const sup = await startSupervisor(home);
    await waitFor(
      "the first deploy's release phase",
      async () => (await sup.log()).includes("-----> build"),
      30_000,
      50,
    );
    expect(await sup.stop("SIGTERM")).toBe(0);
    // The release phase would have ended by now, and a web started after it would be listening.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await listening(port)).toBe(false);
    expect(await processesIn(home)).toEqual([]);
    expect(await sup.log()).toContain('"event":"supervisor.stopped"');
  }, 60_000);

  it("SIGTERM after the first deploy began (fetch, checkout, build beside the restore) but before it could finish removes its release and its lock", async () => {
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const home = join(await tempDir(), "home");
    expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    expect((await addGenericApp(home, "gen", repo.dir)).exitCode).toBe(0);
    // This host says the database was replicated, yet the replica is empty: the boot refuses to start it
    // (and retries later), so the begun deploy waits for a restore that does not come.
    await mkdir(join(home, "apps", "gen"), { recursive: true });
    await writeFile(
      join(home, "apps", "gen", "state.json"),
      JSON.stringify({ replicated: { "db.sqlite3": "2026-01-01T00:00:00.000Z" } }),
    );
    const sup = await startSupervisor(home);
    await waitFor(
      "the early build and the refused boot",
      async () => {
        const log = await sup.log();
        return log.includes("-----> build") && log.includes("REPLICA_MARKER_MISMATCH");
      },
      30_000,
      50,
    );
    expect(await readdir(join(home, "apps", "gen", "releases"))).toHaveLength(1);
    expect(await sup.stop("SIGTERM")).toBe(0);
    expect(await readdir(join(home, "apps", "gen", "releases"))).toEqual([]);
    expect(await pathExists(join(home, "run", "locks", "deploy-gen.lock"))).toBe(false);
    expect(await pathExists(join(home, "apps", "gen", "current"))).toBe(false);
  }, 60_000);
});
