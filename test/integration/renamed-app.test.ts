import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort, httpGet, httpPost, installRelease, waitAnswering } from "../helpers/apps.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import { pathExists } from "../../src/lib/fs.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

// Issue 14 item 8: a `name:` edited in app.yml pointed every path at a new, empty app, and `up` started it fresh.
describe("an app.yml whose name does not match its directory", () => {
  it("is refused by app list, app show and up (shown failed, never started on an empty database), and runs again once fixed", async () => {
    const home = join(await tempDir(), "home");
    const replica = join(await tempDir(), "replica");
    const port = await freePort();
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
          String(port),
          "--db",
          "db.sqlite3",
        ])
      ).exitCode,
    ).toBe(0);
    await installRelease(home, "blog", "generic-app");
    let sup = await startSupervisor(home);
    await waitAnswering(port, "/rows");
    for (let i = 0; i < 50; i++) expect((await httpPost(port, "/rows", `row ${i}`)).status).toBe(201);
    expect(await sup.stop("SIGTERM")).toBe(0);

    const spec = join(home, "apps", "blog", "app.yml");
    const original = await readFile(spec, "utf8");
    await writeFile(spec, original.replace(/^name: blog$/m, "name: blog2"));
    for (const args of [
      ["app", "list"],
      ["app", "show", "blog"],
    ]) {
      const result = await runCli(home, args);
      expect(result.stderr, args.join(" ")).toContain(
        `${spec} name: expected "blog" (the app's directory), got "blog2"`,
      );
      expect(result.exitCode).toBe(2);
    }

    sup = await startSupervisor(home);
    await waitForSocket(home);
    const failed = await waitFor("blog shown failed", async () =>
      (await hostStatus(home)).apps.find((a) => a.name === "blog" && a.state === "failed"),
    );
    expect(failed.reason).toContain('expected "blog" (the app\'s directory), got "blog2"');
    expect((await hostStatus(home)).apps.map((a) => a.name)).toEqual(["blog"]);
    await expect(httpGet(port, "/rows")).rejects.toThrow();
    expect(await pathExists(join(home, "apps", "blog2"))).toBe(false);
    expect(await pathExists(join(replica, "blog2"))).toBe(false);
    expect(await sup.log()).toContain('"event":"app.spec_invalid"');

    await writeFile(spec, original);
    const restart = await runCli(home, ["restart", "blog"]);
    expect(restart.exitCode, restart.stderr).toBe(0);
    await waitAnswering(port, "/rows");
    expect(JSON.parse((await httpGet(port, "/rows")).body)).toEqual({ count: 50 });
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});
