import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { freePort, installRelease } from "../helpers/apps.js";
import { initWithFrontDoor } from "../helpers/front-door.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("restart backoff", () => {
  it("a process that exits at once is restarted with growing delays and marked crashloop", async () => {
    const home = join(await tempDir(), "home");
    const replica = join(await tempDir(), "replica");
    expect((await runCli(home, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    expect(
      (
        await runCli(home, [
          "app",
          "add",
          "crashy",
          "--kind",
          "generic",
          "--repo",
          "/unused",
          "--port",
          String(await freePort()),
        ])
      ).exitCode,
    ).toBe(0);
    await installRelease(home, "crashy", "crash-app");
    // Every interval scaled by 0.05: 50 ms, 100 ms, 200 ms … instead of 1 s, 2 s, 4 s …
    const sup = await startSupervisor(home, { HOSTCTL_BACKOFF_SCALE: "0.05" });
    await waitForSocket(home);
    const app = await waitFor(
      "crashloop",
      async () => {
        const status = (await hostStatus(home)).apps[0];
        return status?.state === "crashloop" ? status : undefined;
      },
      30_000,
    );
    const web = app.processes[0];
    expect(web?.state).toBe("crashloop");
    expect(web?.last_exit?.code).toBe(3);
    const times = (web?.restart_times ?? []).map((t) => Date.parse(t));
    expect(times.length).toBeGreaterThanOrEqual(5);
    const gaps = times.slice(1, 5).map((t, i) => t - (times[i] ?? 0));
    // Each gap includes the doubled delay: later gaps are longer than earlier ones.
    expect(gaps[3]).toBeGreaterThan(gaps[0] ?? 0);
    expect(gaps[2]).toBeGreaterThanOrEqual(150);
    const text = await runCli(home, ["status"]);
    expect(text.stdout).toMatch(/crashy\s+crashloop\s+web:crashloop/);
    expect((await runCli(home, ["logs", "crashy"])).stdout).toContain("crash-app starting");
    expect(await sup.stop("SIGTERM")).toBe(0);
  });
});

describe("restart of an app that ends up failed", () => {
  it("exits 1 with the reason when the restarted app fails its health check", async () => {
    const home = join(await tempDir(), "home");
    const { init } = await initWithFrontDoor(home, ["--replica-url", `file://${await tempDir("replica")}`]);
    expect(init.exitCode, init.stderr).toBe(0);
    const add = await runCli(home, [
      "app",
      "add",
      "crashy",
      "--kind",
      "generic",
      "--repo",
      "/unused",
      "--port",
      String(await freePort()),
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const appYml = join(home, "apps", "crashy", "app.yml");
    const doc = parseDocument(await readFile(appYml, "utf8"));
    doc.setIn(["healthcheck", "timeout"], "2s");
    await writeFile(appYml, doc.toString());
    await installRelease(home, "crashy", "crash-app");
    const sup = await startSupervisor(home, { HOSTCTL_BACKOFF_SCALE: "0.05" });
    await waitForSocket(home);
    await waitFor(
      "the first start to fail",
      async () => (await hostStatus(home)).apps[0]?.state === "failed" || undefined,
      30_000,
    );
    const restart = await runCli(home, ["restart", "crashy"]);
    expect(restart.exitCode, restart.stdout).toBe(1);
    expect(restart.stderr).toMatch(/error\[APP_FAILED\]: crashy is failed after restart: .*health check failed/);
    expect(restart.stderr).toContain("hostctl logs crashy");
    expect(await sup.stop("SIGTERM")).toBe(0);
  });
});
