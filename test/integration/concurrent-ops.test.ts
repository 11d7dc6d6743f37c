import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, freePort, httpGet } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { portListeners } from "../../src/supervisor/port-owner.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

// Issue 14 item 3: `deploy --force` x20 and `restart` x10 at once leaked a web process of an old release.
describe("deploys and restarts of one app at once", () => {
  it("leave exactly the tracked web process on the port; stop stops it and up exits on SIGTERM", async () => {
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const home = join(await tempDir(), "home");
    const port = await freePort();
    expect((await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`])).exitCode).toBe(0);
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
    await waitForSocket(home);
    const gen = async () => (await hostStatus(home)).apps.find((a) => a.name === "gen");
    await waitFor(
      "gen running",
      async () => (await gen())?.state === "running" && (await httpGet(port, "/")).status === 200,
      60_000,
    );

    // Deploys back to back (each activation stops the old web process and starts a new one), and a restart
    // fired every 300 ms meanwhile (12 at most), so restarts land inside activations; plus a burst of deploys that must queue.
    const results: Promise<{ exitCode: number; stderr: string }>[] = [];
    let deploying = true;
    const deploys = (async () => {
      results.push(
        ...Array.from({ length: 6 }, () => runCli(home, ["deploy", "gen", "--force"], { timeoutMs: 120_000 })),
      );
      for (let i = 0; i < 4; i++) await runCli(home, ["deploy", "gen", "--force"], { timeoutMs: 120_000 });
      deploying = false;
    })();
    for (let i = 0; i < 12 && deploying; i++) {
      results.push(runCli(home, ["restart", "gen"], { timeoutMs: 120_000 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await deploys;
    for (const r of await Promise.all(results)) expect(r.stderr).not.toContain("internal error");

    const app = await waitFor(
      "gen running after the storm",
      async () => {
        const status = await gen();
        return status?.state === "running" ? status : undefined;
      },
      60_000,
    );
    const web = app.processes.find((p) => p.type === "web");
    expect(web?.state).toBe("running");
    const listeners = await portListeners(port);
    expect(listeners.length).toBeGreaterThan(0);
    expect(
      listeners.every((l) => l.pgid === web?.pid),
      JSON.stringify({ listeners, web: web?.pid }),
    ).toBe(true);

    const stop = await runCli(home, ["stop", "gen"]);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(await portListeners(port)).toEqual([]);
    await expect(httpGet(port, "/")).rejects.toThrow();
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 300_000);
});
