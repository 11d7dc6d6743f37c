import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import { hostStatus, killAllSupervisors, startSupervisor } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import { callControl } from "../../src/supervisor/control-client.js";
import { hostPaths } from "../../src/config/paths.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

// Issue 14 item 7: an interrupted `restore --force` left the app stopped with no reason shown.
describe("restore --force killed after it stopped the app", () => {
  it("leaves a reason in status that says what stopped the app and what to run", async () => {
    const home = join(await tempDir(), "home");
    const port = await freePort();
    expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
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
          String(port),
          "--db",
          "db.sqlite3",
        ])
      ).exitCode,
    ).toBe(0);
    await installRelease(home, "blog", "generic-app");
    const sup = await startSupervisor(home);
    await waitAnswering(port, "/rows");
    expect((await httpPost(port, "/rows", "x")).status).toBe(201);
    await waitFor(
      "Litestream replicating",
      async () => (await hostStatus(home)).apps[0]?.litestream.replicating === true,
    );

    const restore = execa(process.execPath, [CLI, "--home", home, "restore", "blog", "--force"], { reject: false });
    try {
      await waitFor(
        "blog stopped by the restore",
        async () => {
          const answer = await callControl(hostPaths(home), "status", { timeoutMs: 2000 });
          return answer?.ok === true && answer.body.apps[0]?.state === "stopped";
        },
        20_000,
        5,
      );
    } finally {
      restore.kill("SIGKILL");
      await restore;
    }
    const blog = (await hostStatus(home)).apps[0];
    expect(blog?.state).toBe("stopped");
    expect(blog?.reason).toContain("stopped for hostctl restore blog --force");
    expect(blog?.reason).toContain("hostctl start blog");
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});
